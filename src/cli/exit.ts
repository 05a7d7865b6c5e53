/** Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage, 130 a stop cut short by a second signal. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
