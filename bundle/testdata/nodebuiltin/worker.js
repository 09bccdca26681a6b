import { Buffer } from "node:buffer";

export default { fetch: () => Buffer.from("x").toString() };
