// A real OpenID provider for the SSO tests: panva's certified `oidc-provider` (package.json pins
// it; `.ci/run` installs it with `npm ci`). Started by tests/integration/test_sso.py's fixture:
//   node tests/oidc/provider.js <port> <redirect_uri> [<redirect_uri> ...]
// (the platform's callback and a consultancy's own host's, as its administrator registers both).
// It prints "ready <issuer>" once it listens. One confidential client (authorization code, PKCE
// required), a few accounts, and a tiny login form of its own instead of a consent screen, so a
// test signs in by posting that form with an HTTP client, as a browser would.
import http from 'node:http';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUris = process.argv.slice(3);
const issuer = `http://127.0.0.1:${port}`;

export const CLIENT_ID = 'klantspiegel';
export const CLIENT_SECRET = 'test-client-secret-of-the-idp-0123456789';

// login -> claims. "mfa" accounts sign in with a second factor at the provider (amr: pwd, mfa).
const ACCOUNTS = {
  'anna@gemeente.example': { name: 'Anna de Vries', email_verified: true, mfa: true },
  'bert@gemeente.example': { name: 'Bert Jansen', email_verified: true, mfa: false },
  'nieuw@gemeente.example': { name: 'Nina Nieuw', email_verified: true, mfa: true },
  'onbevestigd@gemeente.example': { name: 'Otto Onbevestigd', email_verified: false, mfa: true },
  'vreemd@elders.example': { name: 'Vera Vreemd', email_verified: true, mfa: true },
  'consultant@delinde.example': { name: 'Carla Consultant', email_verified: true, mfa: true },
};
const PASSWORD = 'idp-password';

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // amr with the openid scope, so that it reaches the ID token (as Entra ID and Okta send it).
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['test-cookie-key-0123456789'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: account.email_verified, name: account.name };
      },
    };
  },
  // No consent screen: the client is the organisation's own application.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) {
    callback(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Sign in</title><form method="post" action="/interaction/${details.uid}/login">`
        + '<input name="login"><input name="password" type="password"><button>Sign in</button></form>');
      return;
    }
    const form = await readForm(req);
    const login = form.get('login');
    const account = ACCOUNTS[login];
    if (!account || form.get('password') !== PASSWORD) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('wrong login or password');
      return;
    }
    const amr = account.mfa ? ['pwd', 'mfa'] : ['pwd'];
    await provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
