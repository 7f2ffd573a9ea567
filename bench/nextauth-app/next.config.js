// Nothing beyond the defaults: a production build served by `next start`.
module.exports = { reactStrictMode: true, poweredByHeader: true };
