// The pasted API token: kept for this tab only (sessionStorage), never put in a URL.

const KEY = "gql-server.token";

/** The token pasted in this tab, or "" when anonymous. */
export function currentToken() {
  return sessionStorage.getItem(KEY) || "";
}

/** Keep a pasted token (an empty one forgets it). */
export function keepToken(token) {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** HTTP headers carrying the token, when there is one. */
export function authHeaders(token = currentToken()) {
  return token ? { Authorization: `Token ${token}` } : {};
}
