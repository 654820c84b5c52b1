// Serves a local S3-compatible endpoint for the tests: s3rver on 127.0.0.1, a kernel-chosen port printed as
// "S3rver listening on 127.0.0.1:<port>", data under the directory given, exiting when the parent process is gone.
//   node serve.js <directory> <parent-pid>
'use strict';
const S3rver = require('s3rver');

const [directory, parent] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });

// S3 reads x-amz-copy-source URL-encoded as a whole (the AWS SDK sends every '/' of the key as %2F); s3rver decodes it
// with decodeURI, which leaves %2F alone and then finds no such bucket. Hand it the form its decodeURI reads correctly.
server.middleware.unshift((ctx, next) => {
  const source = ctx.headers['x-amz-copy-source'];
  if (source) {
    ctx.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(source));
  }
  return next();
});

server.run().then(({ address, port }) => console.log(`S3rver listening on ${address}:${port}`));

if (parent) {
  setInterval(() => {
    try {
      process.kill(Number(parent), 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}
