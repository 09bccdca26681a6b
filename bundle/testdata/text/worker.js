import page from "./page.html";
import data from "./data.bin";

export default { fetch: () => page.trim() + " " + Array.from(data).join(",") };
