export default {
  fetch() {
    const x = ;
    return x;
  },
};
