// Small promise helpers shared by the driver and its player worker.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with "`what` timed out" unless `promise` settles within `ms`. */
export function within(ms, promise, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}
