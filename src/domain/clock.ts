// What the server takes as "now" where a decision depends on it: whether a token has expired, whether a new token's
// expiry lies in the future. The core's clock is the system's; a module may supply one a test suite can
// move, so expiry can be tested without waiting. Stored timestamps (createdAt, updatedAt) keep the system's time.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() });
