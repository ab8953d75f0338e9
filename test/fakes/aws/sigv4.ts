/**
 * An independent SigV4 verifier (AWS's documented algorithm, node:crypto only), so the
 * fake accepts exactly the requests AWS would: signed with the right secret, region and
 * service, over the body that arrived.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

export interface SigV4Check {
  ok: boolean;
  reason?: string;
  accessKeyId?: string;
}

export function verifySigV4(
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  secrets: Record<string, string>,
  expected: { region: string; service: string },
): SigV4Check {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return { ok: false, reason: 'missing or malformed SigV4 Authorization header' };
  const [, akid, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secrets[akid!];
  if (!secret) return { ok: false, reason: 'UnrecognizedClientException', accessKeyId: akid };
  if (region !== expected.region || service !== expected.service)
    return {
      ok: false,
      reason: `credential scope ${region}/${service}, expected ${expected.region}/${expected.service}`,
    };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return { ok: false, reason: 'x-amz-date does not match the credential date' };
  const [path, query = ''] = req.path.split('?');
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&');
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return { ok: false, reason: 'host and x-amz-date must be signed' };
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(req.body));
  if (payloadHash !== sha256(req.body)) return { ok: false, reason: 'payload hash does not match the body' };
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  const expectedSig = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expectedSig === signature
    ? { ok: true, accessKeyId: akid }
    : { ok: false, reason: 'InvalidSignatureException', accessKeyId: akid };
}
