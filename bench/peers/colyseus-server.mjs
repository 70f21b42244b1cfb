// Tic-tac-toe on Colyseus 0.18, for the peer benchmark (see README.md).
//
//   node_modules/.bin/node colyseus-server.mjs --port=0
//
// Runs under the local node@22 binary (Colyseus 0.18 needs Node >= 22). Prints one line
// "listening on 127.0.0.1:PORT" once it accepts connections.
//
// Room "tictactoe": 2 seats (the first client to join is X, the second O), a board of 9,
// win/draw detection, illegal moves refused. State is a @colyseus/schema class defined with
// the non-decorator schema() API, so it is synchronised to both clients as binary patches.
//
// Fairness settings:
// - patchRate = null: no 50 ms patch timer. Every accepted move calls broadcastPatch()
//   at once, so the opponent sees the move without waiting for the next tick.
// - The move is a request (client: room.request("move", {cell})): the handler's return value
//   ({version}) is the mover's ack, and ctx.reject(reason) refuses an illegal move; this is the
//   0.18 request/reply, the counterpart of Phoenix's phx_reply. The patch goes out before the
//   reply, on the same socket.
// - perMessageDeflate off (also the transport's default); no greeting, no dev tools.
import { Server, Room } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { schema, t, ArraySchema } from "@colyseus/schema";

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, "").split("=");
  return [k, v.join("=")];
}));
const PORT = Number(args.port ?? 0);
const HOST = args.host || "127.0.0.1";

const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];

const TicTacToeState = schema({
  board: t.array("string"), // "" | "X" | "O"
  status: t.string(), // "waiting" | "playing" | "finished"
  turn: t.string(), // "X" | "O" | ""
  winner: t.string(), // "X" | "O" | "draw" | ""
  x: t.string(), // sessionId of X
  o: t.string(), // sessionId of O
  version: t.uint32(),
}, "TicTacToeState");

function winnerOf(board) {
  for (const [a, b, c] of LINES) {
    if (board[a] !== "" && board[a] === board[b] && board[a] === board[c]) return board[a];
  }
  return board.every((v) => v !== "") ? "draw" : "";
}

class TicTacToeRoom extends Room {
  maxClients = 2;
  patchRate = null; // no patch timer: broadcastPatch() after every accepted change

  onCreate() {
    const state = new TicTacToeState();
    state.board = new ArraySchema("", "", "", "", "", "", "", "", "");
    state.status = "waiting";
    state.turn = "";
    state.winner = "";
    state.x = "";
    state.o = "";
    state.version = 1;
    this.state = state;

    this.onMessage("move", (client, message, ctx) => {
      const s = this.state;
      const cell = message && message.cell;
      if (!Number.isInteger(cell) || cell < 0 || cell > 8) return ctx.reject("bad_move");
      const seat = client.sessionId === s.x ? "X" : client.sessionId === s.o ? "O" : null;
      if (!seat) return ctx.reject("not_a_player");
      if (s.status === "finished") return ctx.reject("game_over");
      if (s.status !== "playing") return ctx.reject("waiting_for_players");
      if (s.turn !== seat) return ctx.reject("not_your_turn");
      if (s.board[cell] !== "") return ctx.reject("cell_taken");
      s.board[cell] = seat;
      const w = winnerOf(s.board);
      if (w) {
        s.status = "finished";
        s.winner = w;
        s.turn = "";
      } else {
        s.turn = seat === "X" ? "O" : "X";
      }
      s.version += 1;
      this.broadcastPatch();
      return { version: s.version };
    });
  }

  onJoin(client) {
    const s = this.state;
    if (!s.x) s.x = client.sessionId;
    else if (!s.o) s.o = client.sessionId;
    if (s.x && s.o && s.status === "waiting") {
      s.status = "playing";
      s.turn = "X";
    }
    s.version += 1;
    this.broadcastPatch();
  }
}

const transport = new WebSocketTransport({ perMessageDeflate: false });
const server = new Server({ transport, greet: false, gracefullyShutdown: true });
server.define("tictactoe", TicTacToeRoom);
await server.listen(PORT, HOST);

const httpServer = transport.server;
const address = httpServer && httpServer.address();
if (!address || typeof address === "string") {
  console.error("colyseus: cannot tell the listening port");
  process.exit(1);
}
console.log(`listening on ${HOST}:${address.port}`);
