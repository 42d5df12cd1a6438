import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOAuthProtectedResourceMetadataUrl, oauthMetadataResponse, type AuthMetadataOptions } from '@modelcontextprotocol/server';

const PRM_ROOT = '/.well-known/oauth-protected-resource';

/** Two resource indicators name the same resource: equal URLs, ignoring a fragment and one trailing slash. */
export function sameResource(indicator: string, resource: URL): boolean {
  const url = URL.parse(indicator);
  if (!url) return false;
  const normal = (u: URL) => `${u.origin}${u.pathname.replace(/\/$/, '')}${u.search}`;
  return normal(url) === normal(resource);
}

/**
 * RFC 9728 protected resource metadata for the MCP endpoint, built and served by the MCP SDK's
 * helpers: at `/.well-known/oauth-protected-resource/mcp` (the URL the 401 challenge names) and at
 * the root form, which some clients probe first.
 */
export class ProtectedResourceMetadata {
  /** The URL of the document, as `WWW-Authenticate: Bearer resource_metadata="..."` names it. */
  readonly url: string;
  private readonly options: AuthMetadataOptions;
  private readonly servedPath: string;

  constructor(options: { resourceUrl: URL; issuer: string; authorizationEndpoint: string; tokenEndpoint: string; scopes: string[] }) {
    this.url = getOAuthProtectedResourceMetadataUrl(options.resourceUrl);
    this.servedPath = new URL(this.url).pathname;
    this.options = {
      resourceServerUrl: options.resourceUrl,
      resourceName: 'Dementia Companion',
      scopesSupported: options.scopes,
      // Only the issuer is used (as `authorization_servers`); the AS serves its own metadata.
      oauthMetadata: {
        issuer: options.issuer,
        authorization_endpoint: options.authorizationEndpoint,
        token_endpoint: options.tokenEndpoint,
        response_types_supported: ['code'],
      },
    };
  }

  /** Whether this path is one of the document's. */
  serves(pathname: string): boolean {
    return pathname === this.servedPath || pathname === PRM_ROOT;
  }

  async respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = new Request(new URL(this.servedPath, this.url), { method: req.method ?? 'GET', headers: requestHeaders(req) });
    const response = oauthMetadataResponse(request, this.options)!;
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(body.length) });
    res.end(body);
  }
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}
