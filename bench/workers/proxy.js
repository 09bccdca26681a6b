// An I/O-bound worker: every request waits on its origin (bench/ab.sh proxy).
export default {
  async fetch(request) {
    const r = await fetch(request);
    return new Response(r.body, r);
  },
};
