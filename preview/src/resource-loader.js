// The preview's stand-in for lightning/platformResourceLoader: a static resource's script is
// added to the page once (a second load of the same URL waits for the first), as Lightning does.
const loads = new Map();

export function loadScript(_component, url) {
  if (!loads.has(url)) {
    loads.set(
      url,
      new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = url;
        script.onload = () => resolve();
        script.onerror = () => {
          loads.delete(url);
          reject(new Error(`Could not load ${url}`));
        };
        document.head.appendChild(script);
      }),
    );
  }
  return loads.get(url);
}

export function loadStyle(_component, url) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = url;
  document.head.appendChild(link);
  return Promise.resolve();
}
