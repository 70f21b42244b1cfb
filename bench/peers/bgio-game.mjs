// The tic-tac-toe game definition for boardgame.io 0.50, shared by bgio-server.mjs (the
// authority) and the driver's boardgame.io clients (which need the same definition to run
// the client-side reducer). Player "0" is X, player "1" is O.
//
// The move is marked `client: false`: clients do not run it optimistically, they send it to
// the server and only show the result the server sends back, like the Parlor and Colyseus
// clients do.
import { createRequire } from "node:module";

// boardgame.io 0.50 ships CommonJS entry points in sub-directories ("boardgame.io/core"),
// which Node's ES module loader cannot import by directory; require() them.
export const requireBgio = createRequire(import.meta.url);
const { INVALID_MOVE } = requireBgio("boardgame.io/core");

const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];

export const TicTacToe = {
  name: "tictactoe",
  minPlayers: 2,
  maxPlayers: 2,
  setup: () => ({ cells: Array(9).fill(null) }),
  turn: { minMoves: 1, maxMoves: 1 },
  moves: {
    play: {
      move: ({ G, playerID }, cell) => {
        if (!Number.isInteger(cell) || cell < 0 || cell > 8 || G.cells[cell] !== null) return INVALID_MOVE;
        G.cells[cell] = playerID;
      },
      client: false,
    },
  },
  endIf: ({ G }) => {
    for (const [a, b, c] of LINES) {
      if (G.cells[a] !== null && G.cells[a] === G.cells[b] && G.cells[a] === G.cells[c]) {
        return { winner: G.cells[a] };
      }
    }
    if (G.cells.every((v) => v !== null)) return { draw: true };
    return undefined;
  },
};
