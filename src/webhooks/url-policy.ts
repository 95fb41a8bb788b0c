/**
 * Which webhook URLs we send to (docs/webhooks.md). A webhook makes our server open connections
 * where a merchant's API key says, so the address is checked when the endpoint is registered and
 * again for every connection (a name may resolve elsewhere later):
 * - `public` (production): public unicast addresses only;
 * - `private` (the local stack's default): also loopback and private networks;
 * - `any`: also link-local and cloud-metadata addresses — for development only.
 * Unspecified and multicast addresses are never a receiver.
 */
import ipaddr from 'ipaddr.js';

export const WEBHOOK_URL_POLICIES = ['public', 'private', 'any'] as const;
export type WebhookUrlPolicy = (typeof WEBHOOK_URL_POLICIES)[number];

/** Cloud metadata services (AWS/GCP/Azure, AWS over IPv6, Alibaba): credentials live there. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.azure.internal', 'instance-data']);
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);
const NEVER = new Set(['unspecified', 'multicast', 'broadcast']);

/** Why an address is not a receiver under `policy`, or null when it may be. */
export function addressProblem(address: string, policy: WebhookUrlPolicy): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  const normalized = ip.toString();
  if (NEVER.has(range)) return `${normalized} is a ${range} address`;
  if (policy === 'any') return null;
  if (range === 'linkLocal' || METADATA_ADDRESSES.has(normalized)) {
    return `${normalized} is a link-local or cloud-metadata address (allowed only with WEBHOOK_URL_POLICY=any, for development)`;
  }
  if (policy === 'private') return null;
  if (PRIVATE_RANGES.has(range)) return `${normalized} is a ${range} address (allowed with WEBHOOK_URL_POLICY=private)`;
  if (range !== 'unicast') return `${normalized} is a ${range} address, not a public one`;
  return null;
}

/** Why `text` cannot be a webhook URL under `policy`, or null. Names are resolved when sending. */
export function webhookUrlProblem(text: string, policy: WebhookUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only http and https URLs can receive webhooks';
  if (url.username || url.password) return 'credentials in the URL are not allowed (authenticate receivers by the signature)';
  if (url.hash) return 'a URL fragment is never sent; leave it out';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (ipaddr.isValid(host)) return addressProblem(host, policy);
  if (policy !== 'any' && METADATA_HOSTS.has(host.replace(/\.$/, ''))) return `${host} is a cloud-metadata host`;
  if (policy === 'public' && (host === 'localhost' || host.endsWith('.localhost'))) return `${host} is a loopback name (allowed with WEBHOOK_URL_POLICY=private)`;
  return null;
}
