import { FedsimError } from '../errors.js';
import { connectEngine } from '../runtime/engine.js';
import { attach } from '../runtime/federation.js';
import { publishedPorts } from '../runtime/services.js';
import { envName } from '../topology/replicas.js';
import { chosenFederation } from './faults.js';

interface RegionEndpoints {
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

/**
 * `fedsim endpoints [NAME] [--region R] [--json | --env]`: per region, every cluster's contact points
 * and datacenter, every service replica's published address, and the address map a driver on the
 * host installs (an address translator) to reach each node through that region's gateway.
 */
export async function endpointsCommand(name: string | undefined, opts: { region?: string; json?: boolean; env?: boolean }): Promise<void> {
  if (opts.json && opts.env) throw new FedsimError('Choose one of --json and --env.');
  const engine = await connectEngine();
  const fed = await attach(engine, await chosenFederation(engine, name));
  const { plan } = fed;
  if (opts.region && !plan.regions.includes(opts.region))
    throw new FedsimError(`Unknown region "${opts.region}"; federation ${fed.name} has ${plan.regions.join(', ')}.`);
  const published = await publishedPorts(engine, plan);
  const regions = opts.region ? [opts.region] : opts.env ? [plan.regions[0]!] : plan.regions;
  const out: RegionEndpoints[] = regions.map((region) => {
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
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ federation: fed.name, regions: out }, null, 2)}\n`);
    return;
  }
  if (opts.env) {
    for (const [k, v] of Object.entries(out[0]!.env)) process.stdout.write(`export ${k}='${v}'\n`);
    return;
  }
  for (const r of out) {
    process.stdout.write(`region ${r.region}\n`);
    for (const c of r.clusters)
      process.stdout.write(`  cluster ${c.name}: datacenter ${c.datacenter}, contact points ${c.contactPoints.join(' ')}\n`);
    for (const s of r.services) {
      const ports = s.ports.map((p) => `${p.port}${p.published ? ` -> ${p.published}` : ' (down)'}`).join(', ');
      process.stdout.write(`  service ${s.name}: ${s.replica} at ${s.address}${ports ? `, ports ${ports}` : ''}\n`);
    }
    process.stdout.write(`  host address map (through ${r.region}'s gateway):\n`);
    for (const [a, h] of Object.entries(r.addressMap)) process.stdout.write(`    ${a} -> ${h}\n`);
  }
}
