import { add } from "./lib/math.js";
import * as strings from "./lib/strings.js";

export default {
  fetch() {
    return strings.shout("sum " + add(2, 3));
  },
};
