// A service worker: no exports, only a listener.
addEventListener("fetch", (event) => {
  event.respondWith("hello from a service worker");
});
