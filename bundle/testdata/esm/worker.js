export default {
  async fetch(request, env, ctx) {
    return "hello from esm";
  },
};

export const config = { matcher: "/api/:path*" };
