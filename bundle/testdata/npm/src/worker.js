// node_modules is in the entry's parent folder: resolution walks upwards.
import fake from "fakepkg";
import { which } from "fields";

export default {
  fetch() {
    return fake.name + " " + fake.condition + " " + which;
  },
};
