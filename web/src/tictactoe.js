// Pure helpers for showing a tic-tac-toe STATE (contract §4). No DOM, no sockets.

/** The eight lines that win, as row-major cell indexes. */
export const LINES = [
  [0, 1, 2], [3, 4, 5], [6, 7, 8],
  [0, 3, 6], [1, 4, 7], [2, 5, 8],
  [0, 4, 8], [2, 4, 6],
];

/** Returns the winning line of `board` (three indexes) or null. */
export function winningLine(board) {
  if (!Array.isArray(board)) return null;
  for (const line of LINES) {
    const [a, b, c] = line;
    if (board[a] && board[a] === board[b] && board[a] === board[c]) return line;
  }
  return null;
}

/** The board of a STATE as nine "X" | "O" | null. */
export function boardOf(state) {
  const board = state && state.view && Array.isArray(state.view.board) ? state.view.board : [];
  return Array.from({ length: 9 }, (_, i) => (board[i] === "X" || board[i] === "O" ? board[i] : null));
}

/**
 * The status line for `state` seen by the holder of `seat` ("X" | "O" | null).
 * Returns {text, tone} where tone is "turn" | "win" | "lose" | "neutral".
 */
export function statusLine(state, seat) {
  if (!state) return { text: "Joining game…", tone: "neutral" };
  switch (state.status) {
    case "waiting":
      return { text: "Waiting for an opponent — share the link", tone: "neutral" };
    case "playing":
      if (seat && state.turn === seat) return { text: "Your turn", tone: "turn" };
      return { text: state.turn ? `${state.turn}'s turn` : "Playing", tone: "neutral" };
    case "finished":
      if (state.winner === "draw") return { text: "Draw", tone: "neutral" };
      if (state.winner === "X" || state.winner === "O") {
        if (!seat) return { text: `${state.winner} wins`, tone: "win" };
        return state.winner === seat
          ? { text: `${state.winner} wins — you won!`, tone: "win" }
          : { text: `${state.winner} wins — you lost`, tone: "lose" };
      }
      return { text: "Game over", tone: "neutral" };
    default:
      return { text: String(state.status || ""), tone: "neutral" };
  }
}

const REASONS = {
  not_your_turn: "Hold on: it is not your turn yet.",
  cell_taken: "That square is already taken. Pick another one.",
  game_over: "This game is over. Start a new one from the home page.",
  not_a_player: "You are watching this game, so you cannot move.",
  waiting_for_players: "Waiting for an opponent to join before the first move.",
  bad_move: "The server did not understand that move. Please try again.",
  not_found: "There is no game with this code.",
  unknown_game: "That kind of game is not available.",
};

/** A polite sentence for a server error `reason`. */
export function reasonText(reason) {
  return REASONS[reason] || `Something went wrong${reason ? ` (${reason})` : ""}. Please try again.`;
}

/** True when `name` (already trimmed) is an acceptable display name: 1–32 characters. */
export function validName(name) {
  const n = [...(name || "")].length;
  return n >= 1 && n <= 32;
}

/** Normalises what a user typed as a game code: letters only, upper-case, at most 4. */
export function normaliseCode(text) {
  return String(text || "").toUpperCase().replace(/[^A-Z]/g, "").slice(0, 4);
}
