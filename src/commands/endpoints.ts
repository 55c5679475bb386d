import { FedsimError } from '../errors.js';
import { attach, type Federation } from '../runtime/federation.js';
import { publishedPorts } from '../runtime/services.js';
import { knownRegion } from '../topology/plan.js';
import { envName } from '../topology/replicas.js';
import type { CommandContext } from './context.js';
import { chosenFederation } from './faults.js';

export interface RegionEndpoints {
  region: string;
  /** Each cluster as a client in the region sees it: the nodes' own addresses (port 9042) and the datacenter to call local. */
  clusters: { name: string; datacenter: string; contactPoints: string[] }[];
  /** The replicas in this region, their address in the region, and each port as published on 127.0.0.1. */
  services: { name: string; replica: string; address: string; ports: { port: number; published?: string }[] }[];
  /** For a driver on the host: node address:9042 -> 127.0.0.1:port, the path through this region's gateway. */
  addressMap: Record<string, string>;
  /** The region's view as environment variables, with the host-side ones (`--env`). */
  env: Record<string, string>;
}

/** Per region: what `fedsim endpoints --json` (and `fedsim up --json`) prints of a federation (docs/CLI.md). */
export async function regionEndpoints(fed: Federation, regions: string[] = fed.plan.regions): Promise<RegionEndpoints[]> {
  const { plan } = fed;
  const published = await publishedPorts(fed.engine, plan);
  return regions.map((region) => {
    const client = plan.clients.find((c) => c.region === region)!;
    const addressMap = Object.fromEntries(Object.entries(fed.endpoints[region] ?? {}).map(([a, hostPort]) => [`${a}:9042`, hostPort]));
    const clusters = plan.clusters.map((c) => ({
      name: c.name,
      datacenter: client.env[`FEDSIM_CLUSTER_${envName(c.name)}_DATACENTER`]!,
      contactPoints: client.env[`FEDSIM_CLUSTER_${envName(c.name)}_CONTACT_POINTS`]!.split(','),
    }));
    const env: Record<string, string> = { ...client.env };
    for (const c of clusters)
      env[`FEDSIM_CLUSTER_${envName(c.name)}_HOST_CONTACT_POINTS`] = c.contactPoints.map((a) => addressMap[a] ?? a).join(',');
    env.FEDSIM_ADDRESS_MAP = Object.entries(addressMap)
      .map(([a, h]) => `${a}=${h}`)
      .join(',');
    for (const s of plan.services) {
      const near = plan.replicas.find((r) => r.service === s.name && r.address === client.env[`FEDSIM_SERVICE_${envName(s.name)}_ADDRESS`]);
      const ports = (near && published[near.name]?.map((p) => p.published).filter(Boolean)) || [];
      if (ports.length) env[`FEDSIM_SERVICE_${envName(s.name)}_PUBLISHED`] = ports.join(',');
    }
    return {
      region,
      clusters,
      services: plan.replicas
        .filter((r) => r.region === region)
        .map((r) => ({ name: r.service, replica: r.name, address: r.address, ports: published[r.name] ?? [] })),
      addressMap,
      env,
    };
  });
}

/** The endpoints as lines for a person. */
export function endpointsText(out: RegionEndpoints[]): string {
  const lines: string[] = [];
  for (const r of out) {
    lines.push(`region ${r.region}`);
    for (const c of r.clusters) lines.push(`  cluster ${c.name}: datacenter ${c.datacenter}, contact points ${c.contactPoints.join(' ')}`);
    for (const s of r.services) {
      const ports = s.ports.map((p) => `${p.port}${p.published ? ` -> ${p.published}` : ' (down)'}`).join(', ');
      lines.push(`  service ${s.name}: ${s.replica} at ${s.address}${ports ? `, ports ${ports}` : ''}`);
    }
    lines.push(`  host address map (through ${r.region}'s gateway):`);
    for (const [a, h] of Object.entries(r.addressMap)) lines.push(`    ${a} -> ${h}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * `fedsim endpoints [NAME] [--region R] [--json | --env]`: per region, every cluster's contact points
 * and datacenter, every service replica's published address, and the address map a driver on the
 * host installs (an address translator) to reach each node through that region's gateway.
 */
export async function endpointsCommand(
  ctx: CommandContext,
  name: string | undefined,
  opts: { region?: string; json?: boolean; env?: boolean },
): Promise<void> {
  if (opts.json && opts.env) throw new FedsimError('Choose one of --json and --env.');
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, name));
  const { plan } = fed;
  if (opts.region) knownRegion(plan, opts.region);
  const out = await regionEndpoints(fed, opts.region ? [opts.region] : opts.env ? [plan.regions[0]!] : plan.regions);
  if (opts.json) {
    ctx.out(`${JSON.stringify({ federation: fed.name, regions: out }, null, 2)}\n`);
    return;
  }
  if (opts.env) {
    for (const [k, v] of Object.entries(out[0]!.env)) ctx.out(`export ${k}='${v}'\n`);
    return;
  }
  ctx.out(endpointsText(out));
}
