// The renderer's Content Security Policy, sent by the browser host and set on Electron responses:
// scripts and styles only from the app itself, images from the app and its media protocol, and
// connections only back to the origin (the host's WebSocket).
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' csra-media: data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
