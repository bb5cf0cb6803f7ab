// The table of what the extension knows about the CRM's screens.
import assert from "node:assert/strict";
import { test } from "node:test";

import "../../extension/src/crm_profiles.js";

const { LABELS, LANGUAGES, PROFILES, labelTexts, normaliseLabel } = globalThis.meetings.crmProfiles;

test("every label has a wording in each of SuperOffice's UI languages", () => {
  assert.deepEqual(LANGUAGES, ["en", "nb", "sv", "da", "de", "nl"]);
  for (const [key, wordings] of Object.entries(LABELS)) {
    for (const language of LANGUAGES) assert.ok(wordings[language]?.length, `${key} in ${language}`);
  }
});

test("no wording names two fields", () => {
  const owner = new Map();
  for (const key of Object.keys(LABELS)) {
    for (const text of labelTexts(key)) {
      assert.ok(!owner.has(text), `"${text}" is both ${owner.get(text)} and ${key}`);
      owner.set(text, key);
    }
  }
});

test("labels are compared as a person reads them", () => {
  assert.equal(normaliseLabel("  Sted: "), "sted");
  assert.equal(normaliseLabel("Beskrivelse *"), "beskrivelse");
  assert.ok(labelTexts("location").has(normaliseLabel("Plats")));
  assert.ok(labelTexts("end").has(normaliseLabel("SLUTT")));
  assert.ok(labelTexts("videoMeeting").has(normaliseLabel("Videomøte")));
});

test("the last profile is the default, and needs nothing but accessible anchors", () => {
  const fallback = PROFILES.at(-1);
  assert.equal(fallback.detect, null);
  assert.equal(fallback.dialog, '[role="dialog"]');
  assert.ok(PROFILES.slice(0, -1).every((profile) => profile.detect));
});
