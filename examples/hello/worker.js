export default {
  fetch(request) {
    return new Response("Hello from the Edge");
  },
};
