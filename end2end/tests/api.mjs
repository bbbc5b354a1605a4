// The app's HTTP API for the browser tests' fixtures: one request on 127.0.0.1 with the
// tenant's Host header, and the demo ERP client's bearer token.
import http from 'node:http';
import assert from 'node:assert/strict';

export const port = process.env.BASE_PORT || '3000';
export const ACME = 'acme.localhost';

/** One HTTP request to the app with acme's Host header. */
export function request(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { Host: `${ACME}:${port}`, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A bearer token of the demo's ERP client. */
export async function token() {
  const basic = Buffer.from('acme-erp:throughline-demo-secret').toString('base64');
  const r = await request('POST', '/api/v1/oauth/token', { headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body).access_token;
}
