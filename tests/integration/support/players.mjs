// Players as the integration tests drive them over raw frames.
import assert from "node:assert/strict";

/** Joins `lobby` on a connected RawClient; returns the player (client, token, lobby join ref). */
export async function lobbyPlayer(c, name) {
  const lobby = await c.join("lobby");
  assert.equal(lobby.status, "ok");
  return { c, name, token: lobby.response.player.token, lobbyRef: lobby.joinRef };
}

/** Creates a tic-tac-toe game through the player's lobby; returns its code. */
export async function createGame(p) {
  const r = await p.c.request(p.lobbyRef, "lobby", "create", { game: "tictactoe" });
  assert.equal(r[4].status, "ok", JSON.stringify(r));
  return r[4].response.code;
}
