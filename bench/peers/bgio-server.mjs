// Tic-tac-toe on boardgame.io 0.50, for the peer benchmark (see README.md).
//
//   node_modules/.bin/node bgio-server.mjs --port=0
//
// Prints one line "listening on 127.0.0.1:PORT" once it accepts connections. One HTTP port
// serves both the Lobby API (create / join a match) and the socket.io game transport.
//
// Fairness settings: in-memory storage (boardgame.io's default InMemory), every move
// `client: false` (see bgio-game.mjs), socket.io with perMessageDeflate and HTTP compression
// off. Run with NODE_ENV=production so boardgame.io does not log every action.
import { TicTacToe, requireBgio } from "./bgio-game.mjs";

const { Server, SocketIO } = requireBgio("boardgame.io/server");

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, "").split("=");
  return [k, v.join("=")];
}));
const PORT = Number(args.port ?? 0);
const HOST = args.host || "127.0.0.1";

const server = Server({
  games: [TicTacToe],
  // The driver is a Node.js process (no Origin header); allow local origins anyway.
  origins: [/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/],
  transport: new SocketIO({ socketOpts: { perMessageDeflate: false, httpCompression: false } }),
});

// Koa's app.listen() passes its arguments to http.Server#listen, which takes {port, host}:
// this binds to loopback only.
const { appServer } = await server.run({ port: { port: PORT, host: HOST } });
const address = appServer.address();
if (!address || typeof address === "string") {
  console.error("bgio: cannot tell the listening port");
  process.exit(1);
}
console.log(`listening on ${HOST}:${address.port}`);
