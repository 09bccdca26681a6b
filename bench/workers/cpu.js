// CPU work: JSON.stringify of 1,000 small objects + SHA-256 of 1 KiB.
const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: "item-" + i, tags: ["a", "b"], price: i * 1.5 }));
const kib = new Uint8Array(1024).fill(7);
export default {
  async fetch() {
    const json = JSON.stringify(items);
    const digest = await crypto.subtle.digest("SHA-256", kib);
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return new Response(json.length + " " + hex);
  },
};
