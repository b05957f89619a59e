/** A value from the Prometheus text format, e.g. metricIn(text, 'papo_held_polls'); labels are part of the name. */
export function metricIn(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** The long-polls the server at `serverUrl` is holding right now, read from its `/metrics`. */
export async function heldPolls(serverUrl: string): Promise<number | undefined> {
  return metricIn(await (await fetch(`${serverUrl}/metrics`)).text(), 'papo_held_polls');
}
