// How a meeting's link goes into the appointment's text and comes out again: exactly what was added, no more.
// Pure functions (no DOM, no chrome.*), tested with node --test. A classic script (content scripts) that tests
// import for its side effect: globalThis.meetings.meetingText.
(() => {
  const meetings = (globalThis.meetings ||= {});

  function joinLine(url) {
    return `Join meeting: ${url}`;
  }

  // The description with the join line appended (once), separated from what the user wrote by a blank line.
  function withJoinLine(description, url) {
    const text = description || "";
    if (text.split("\n").some((line) => line.trim() === joinLine(url))) return text;
    const body = text.replace(/\s+$/, "");
    return body ? `${body}\n\n${joinLine(url)}` : joinLine(url);
  }

  // The description without the join line we added (and without the blank line we put before it).
  function withoutJoinLine(description, url) {
    const lines = (description || "").split("\n");
    const index = lines.findIndex((line) => line.trim() === joinLine(url));
    if (index === -1) return description || "";
    lines.splice(index, 1);
    if (index > 0 && lines[index - 1] === "" && (index === lines.length || lines[index] === "")) lines.splice(index - 1, 1);
    return lines.join("\n").replace(/\n+$/, "");
  }

  // SuperOffice keeps at most 2,048 characters of an appointment's description.
  const DESCRIPTION_LIMIT = 2048;

  // SuperOffice keeps at most 254 characters in an appointment's Location (Teams links can be longer).
  const LOCATION_LIMIT = 254;

  // Location gets the link only when the user left it blank, and only when the link fits.
  function locationWithLink(location, url) {
    if ((location || "").trim() || url.length > LOCATION_LIMIT) return location || "";
    return url;
  }

  // Location loses the link only when it is still exactly the link we put there.
  function locationWithoutLink(location, url) {
    return (location || "").trim() === url ? "" : location || "";
  }

  meetings.meetingText = {
    joinLine,
    withJoinLine,
    withoutJoinLine,
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    locationWithLink,
    locationWithoutLink,
  };
})();
