// A small seeded random number generator (mulberry32), so that a chaos run's fault schedule and
// its players' choices can be replayed from a seed. Not for anything secret.

/** Returns an object with next() in [0, 1), int(lo, hi) inclusive, pick(array), fork(label). */
export function seededRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    // An independent stream derived from this seed and a label: the nemesis and each player
    // draw from their own, so adding a player does not shift the fault schedule.
    fork: (label) => seededRng(hash(`${seed}/${label}`)),
  };
  return rng;
}

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
