import { nothing } from "./does-not-exist";

export default { fetch: () => nothing };
