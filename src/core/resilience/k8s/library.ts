// The parts of @kubernetes/client-node that oco uses. scripts/bundle-vendor.js bundles this
// module into dist/vendor/kubernetes-client.js; listing names (not `export *`) lets the bundler
// drop the API groups oco never calls.
export {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
