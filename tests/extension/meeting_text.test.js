import assert from "node:assert/strict";
import { test } from "node:test";

import "../../extension/src/meeting_text.js"; // a classic content script: it fills globalThis.meetings

const { locationWithLink, locationWithoutLink, withJoinLine, withoutJoinLine } = globalThis.meetings.meetingText;

const URL = "https://zoom.example/j/123?pwd=abc";

test("the join line is appended once, after what the user wrote", () => {
  assert.equal(withJoinLine("", URL), `Join meeting: ${URL}`);
  assert.equal(withJoinLine("Agenda:\n- numbers\n\n", URL), `Agenda:\n- numbers\n\nJoin meeting: ${URL}`);
  assert.equal(withJoinLine(withJoinLine("Agenda", URL), URL), `Agenda\n\nJoin meeting: ${URL}`);
});

test("removing takes out exactly what was added", () => {
  const typed = "Agenda:\n- numbers";
  assert.equal(withoutJoinLine(withJoinLine(typed, URL), URL), typed);
  assert.equal(withoutJoinLine(withJoinLine("", URL), URL), "");
  assert.equal(withoutJoinLine(`Join meeting: ${URL}\nBring coffee`, URL), "Bring coffee");
  assert.equal(withoutJoinLine("Nothing of ours here", URL), "Nothing of ours here");
  // Another meeting's line stays.
  assert.equal(withoutJoinLine("Join meeting: https://other.example/j/9", URL), "Join meeting: https://other.example/j/9");
});

test("Location gets the link only when blank and loses it only when unchanged", () => {
  assert.equal(locationWithLink("", URL), URL);
  assert.equal(locationWithLink("  ", URL), URL);
  assert.equal(locationWithLink("Room 4", URL), "Room 4");
  const teamsLink = `https://teams.microsoft.com/l/meetup-join/${"x".repeat(260)}`;
  assert.equal(locationWithLink("", teamsLink), "");
  assert.equal(locationWithoutLink(URL, URL), "");
  assert.equal(locationWithoutLink("Room 4", URL), "Room 4");
});
