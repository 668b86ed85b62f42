/**
 * Shopify's app authentication, locally: session tokens (the HS256 JWT App
 * Bridge gives an embedded app, see
 * https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens),
 * the OAuth token endpoint (`POST /admin/oauth/access_token`: token exchange,
 * client credentials, refresh) exactly as @shopify/shopify-api 15 calls it, and
 * the access tokens that then authorise Admin API requests.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig?: string;
}

export class InvalidSessionTokenError extends Error {
  override name = "InvalidSessionTokenError";
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

function sign(input: string, secret: string): string {
  return createHmac("sha256", secret).update(input).digest("base64url");
}

/**
 * A session token as App Bridge issues it: HS256 with the app secret,
 * `aud` = API key, `dest` = https://{shop}, one minute of validity.
 * @example mintSessionToken({ shop: "demo-shop.myshopify.com", apiKey, apiSecret })
 */
export function mintSessionToken(options: {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** The staff user id; "1" by default. */
  sub?: string;
  sid?: string;
  now?: Date;
  ttlSeconds?: number;
}): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: options.sub ?? "1",
    exp: iat + (options.ttlSeconds ?? 60),
    nbf: iat,
    iat,
    jti: randomUUID(),
    sid: options.sid ?? randomBytes(16).toString("hex"),
  };
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${sign(unsigned, options.apiSecret)}`;
}

/** Verifies signature, algorithm, audience and time window (10 s tolerance, as the library); returns the claims. */
export function verifySessionToken(
  token: string,
  options: { apiKey: string; apiSecret: string; now?: Date; toleranceSeconds?: number },
): SessionTokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidSessionTokenError("malformed token");
  const [header, payload, signature] = parts;
  const expected = Buffer.from(sign(`${header}.${payload}`, options.apiSecret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new InvalidSessionTokenError("signature verification failed");
  }
  let parsedHeader: { alg?: string };
  let claims: SessionTokenClaims;
  try {
    parsedHeader = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw new InvalidSessionTokenError("malformed token");
  }
  if (parsedHeader.alg !== "HS256") throw new InvalidSessionTokenError("unexpected algorithm");
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 10;
  if (typeof claims.exp !== "number" || claims.exp + tolerance < now) throw new InvalidSessionTokenError("token expired");
  if (typeof claims.nbf === "number" && claims.nbf - tolerance > now) throw new InvalidSessionTokenError("token not yet valid");
  if (claims.aud !== options.apiKey) throw new InvalidSessionTokenError("token is for another app");
  return claims;
}

/** The shop domain a session token is for (from `dest`). */
export function shopOfSessionToken(claims: SessionTokenClaims): string | null {
  try {
    return new URL(claims.dest).hostname;
  } catch {
    return null;
  }
}

interface IssuedToken {
  shop: string;
  scope: string;
  expiresAtMs: number | null;
  userId: string | null;
}

/** Access and refresh tokens issued by the local token endpoint. */
export class AccessTokens {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  private readonly clock: () => Date;

  constructor(options: { clock?: () => Date } = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  issue(shop: string, scope: string, options: { expiresInSeconds?: number; userId?: string | null } = {}): string {
    const token = `shpat_${randomBytes(16).toString("hex")}`;
    this.tokens.set(token, {
      shop,
      scope,
      userId: options.userId ?? null,
      expiresAtMs: options.expiresInSeconds ? this.clock().getTime() + options.expiresInSeconds * 1000 : null,
    });
    return token;
  }

  issueRefreshToken(shop: string, scope: string, expiresInSeconds: number): string {
    const token = `shprt_${randomBytes(16).toString("hex")}`;
    this.refreshTokens.set(token, { shop, scope, userId: null, expiresAtMs: this.clock().getTime() + expiresInSeconds * 1000 });
    return token;
  }

  /** Uses up a refresh token; its shop and scope, or null when unknown or expired. */
  redeemRefreshToken(shop: string, token: string): IssuedToken | null {
    const issued = this.refreshTokens.get(token);
    this.refreshTokens.delete(token);
    if (!issued || issued.shop !== shop || (issued.expiresAtMs !== null && issued.expiresAtMs < this.clock().getTime())) return null;
    return issued;
  }

  /** Whether `token` authorises Admin API calls to `shop` now. */
  verify(shop: string, token: string | null | undefined): boolean {
    if (!token) return false;
    const issued = this.tokens.get(token);
    if (!issued || issued.shop !== shop) return false;
    return issued.expiresAtMs === null || issued.expiresAtMs > this.clock().getTime();
  }

  /** The scopes granted with a live access token (comma-separated as issued), or null when it is unknown. */
  scopesOf(token: string | null | undefined): string[] | null {
    const issued = token ? this.tokens.get(token) : undefined;
    return issued ? issued.scope.split(",").map((s) => s.trim()).filter(Boolean) : null;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }
}

export interface TokenEndpointOptions {
  apiKey: string;
  apiSecret: string;
  scopes: string[];
  tokens: AccessTokens;
  now?: () => Date;
}

export interface TokenEndpointResponse {
  status: number;
  body: Record<string, unknown>;
}

const ACCESS_TOKEN_TTL_SECONDS = 3600;
const REFRESH_TOKEN_TTL_SECONDS = 90 * 24 * 3600;
const ONLINE_TOKEN_TTL_SECONDS = 86_399;

function oauthError(status: number, error: string, description: string): TokenEndpointResponse {
  return { status, body: { error, error_description: description } };
}

/**
 * `POST https://{shop}/admin/oauth/access_token` with the body shopify-api
 * sends (JSON or form-encoded): token exchange of a session token for an
 * offline (optionally expiring) or online token, client credentials, refresh.
 */
export function handleAccessTokenRequest(
  shopDomain: string,
  body: Record<string, unknown>,
  options: TokenEndpointOptions,
): TokenEndpointResponse {
  const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
  if (str("client_id") !== options.apiKey || str("client_secret") !== options.apiSecret) {
    return oauthError(401, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret.");
  }
  const scope = options.scopes.join(",");
  const now = options.now ?? (() => new Date());
  const offline = (expiring: boolean) => {
    if (!expiring) return { access_token: options.tokens.issue(shopDomain, scope), scope };
    return {
      access_token: options.tokens.issue(shopDomain, scope, { expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS }),
      scope,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: options.tokens.issueRefreshToken(shopDomain, scope, REFRESH_TOKEN_TTL_SECONDS),
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    };
  };

  switch (str("grant_type")) {
    case TOKEN_EXCHANGE_GRANT: {
      if (str("subject_token_type") !== ID_TOKEN_TYPE) {
        return oauthError(400, "invalid_request", `subject_token_type must be ${ID_TOKEN_TYPE}`);
      }
      let claims: SessionTokenClaims;
      try {
        claims = verifySessionToken(str("subject_token") ?? "", { apiKey: options.apiKey, apiSecret: options.apiSecret, now: now() });
      } catch (error) {
        return oauthError(400, "invalid_subject_token", (error as Error).message);
      }
      if (shopOfSessionToken(claims) !== shopDomain) {
        return oauthError(400, "invalid_subject_token", "The session token was issued for another shop.");
      }
      const requested = str("requested_token_type") ?? OFFLINE_TOKEN_TYPE;
      if (requested === OFFLINE_TOKEN_TYPE) return { status: 200, body: offline(str("expiring") === "1") };
      if (requested === ONLINE_TOKEN_TYPE) {
        return {
          status: 200,
          body: {
            access_token: options.tokens.issue(shopDomain, scope, { expiresInSeconds: ONLINE_TOKEN_TTL_SECONDS, userId: claims.sub }),
            scope,
            expires_in: ONLINE_TOKEN_TTL_SECONDS,
            associated_user_scope: scope,
            session: claims.sid,
            associated_user: {
              id: Number(claims.sub) || 1,
              first_name: "Dev",
              last_name: "Staff",
              email: `staff-${claims.sub}@${shopDomain}`,
              account_owner: true,
              locale: "en",
              collaborator: false,
              email_verified: true,
            },
          },
        };
      }
      return oauthError(400, "invalid_request", `unsupported requested_token_type ${requested}`);
    }
    case "client_credentials":
      return {
        status: 200,
        body: { access_token: options.tokens.issue(shopDomain, scope, { expiresInSeconds: 86_399 }), scope, expires_in: 86_399 },
      };
    case "refresh_token": {
      const issued = options.tokens.redeemRefreshToken(shopDomain, str("refresh_token") ?? "");
      if (!issued) return oauthError(400, "invalid_grant", "The refresh token is invalid or expired.");
      return { status: 200, body: offline(true) };
    }
    default:
      return oauthError(400, "unsupported_grant_type", `grant_type ${str("grant_type") ?? "(missing)"} is not supported`);
  }
}
