/**
 * A page's query as the history and the search take it (validated by the OpenAPI document): the limit, or
 * `defaultLimit`, and the peer and the cursor of the page before when they are given.
 */
export function pageQuery(query: Record<string, unknown>, defaultLimit: number): { limit: number; with?: string; before?: string } {
  const { with: peer, before, limit } = query;
  return {
    limit: limit === undefined ? defaultLimit : Number(limit),
    ...(typeof peer === 'string' ? { with: peer } : {}),
    ...(typeof before === 'string' ? { before } : {}),
  };
}
