import type { Plan } from '../topology/plan.js';
import { FAULT_RULE_PREFIX, type PacketEffect } from './effects.js';
import { defineKind } from './kind.js';
import { parseLinkTarget } from './link.js';
import { PICK, selectNodes } from './node.js';
import type { FaultInput } from './params.js';

/**
 * Packet loss: real drops by iptables in a network namespace (this kernel has no netem), so TCP
 * retransmits and what a client sees is the real effect: latency tails and timeouts. On a link,
 * the rules sit in the two gateways that carry its traffic: `from`'s drops what it sends toward
 * `to`'s nodes, `to`'s drops what it receives from `from`'s nodes (the answers on its own proxies).
 * On a node, in its own namespace (a replica's: its netns holder), both ways.
 *
 * Random loss is the `statistic` match's random mode, each packet alone. Bursty loss (`burst` N)
 * drops runs of N consecutive packets, one run every N*100/percent packets (the `nth` mode marking
 * N positions of each period, then one rule dropping what is marked): the same share, in bursts
 * that outlast a TCP fast retransmit, so connections stall to a retransmission timeout.
 */
const MARK = '0xfed51/0xfed51';

/** The rules dropping `percent` % of what `match` selects in `chain`, random or in bursts. */
export function dropRules(chain: 'INPUT' | 'OUTPUT', match: string[], percent: number, id: string, burst?: number): string[][] {
  const comment = ['-m', 'comment', '--comment', `${FAULT_RULE_PREFIX}${id}`];
  if (burst === undefined)
    return [
      [chain, ...match, '-m', 'statistic', '--mode', 'random', '--probability', (percent / 100).toFixed(4), ...comment, '-j', 'DROP'],
    ];
  const every = Math.max(burst, Math.round((burst * 100) / percent));
  const marks = Array.from({ length: burst }, (_, k) => [
    chain,
    ...match,
    '-m',
    'statistic',
    '--mode',
    'nth',
    '--every',
    String(every),
    '--packet',
    String(k),
    ...comment,
    '-j',
    'MARK',
    '--set-xmark',
    MARK,
  ]);
  return [...marks, [chain, ...match, '-m', 'mark', '--mark', MARK, ...comment, '-j', 'DROP']];
}

/** Addresses of a region's nodes and service replicas: where its traffic ends on a gateway. */
function regionAddresses(plan: Plan, region: string): string[] {
  return [...plan.nodes, ...plan.replicas].filter((n) => n.region === region).map((n) => n.address);
}

function linkLoss(plan: Plan, spec: FaultInput, id: string, percent: number): { directions: [string, string][]; packets: PacketEffect[] } {
  const directions = parseLinkTarget(plan, spec.target);
  const byGateway = new Map<string, string[][]>();
  const add = (region: string, rules: string[][]) => byGateway.set(region, [...(byGateway.get(region) ?? []), ...rules]);
  for (const [from, to] of directions) {
    for (const a of regionAddresses(plan, to)) add(from, dropRules('OUTPUT', ['-d', `${a}/32`], percent, id, spec.burst));
    for (const a of regionAddresses(plan, from)) add(to, dropRules('INPUT', ['-s', `${a}/32`], percent, id, spec.burst));
  }
  const packets = [...byGateway].map(([region, rules]) => ({
    container: plan.gateways.find((g) => g.region === region)!.container,
    holder: `gateway ${region}`,
    rules,
  }));
  return { directions, packets };
}

export const LOSS_KINDS = [
  defineKind({
    name: 'loss',
    family: 'loss',
    target: 'A->B, A<-B, A<->B, NODE or REPLICA, service:S, region:R, cluster:C or all',
    params: {
      percent: { help: 'share of packets dropped', required: true },
      burst: { help: 'drop runs of this many consecutive packets (same share; default: each packet alone)' },
      ...PICK,
    },
    does: 'packets dropped by iptables (in the gateways of a link, or in a node), so TCP retransmits: latency tails, timeouts',
    inverse: 'its iptables rules deleted',
    check: (s) => {
      if (s.burst !== undefined && s.percent === 100)
        return { path: 'burst', message: 'loss of 100% drops everything; burst has no meaning there' };
      if (s.pick !== undefined && /<-|->/.test(s.target))
        return { path: 'pick', message: 'pick chooses nodes; a link target names no nodes' };
      return undefined;
    },
    effects(plan, spec, id) {
      const percent = spec.percent ?? 0;
      if (/<-|->/.test(spec.target)) {
        const { directions, packets } = linkLoss(plan, spec, id, percent);
        return { directions, toxics: [], disabled: [], nodes: [], packets };
      }
      const packets = selectNodes(plan, spec.target, spec.pick, spec.seed).map((n) => ({
        container: 'netns' in n ? n.netns : n.container,
        holder: n.name,
        node: n.name,
        rules: [
          ...dropRules('INPUT', ['!', '-i', 'lo'], percent, id, spec.burst),
          ...dropRules('OUTPUT', ['!', '-o', 'lo'], percent, id, spec.burst),
        ],
      }));
      return { directions: [], toxics: [], disabled: [], nodes: [], packets };
    },
  }),
] as const;
