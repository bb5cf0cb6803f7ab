// SoProtocol: where SuperOffice's web client is, written in its page address after a second "?":
//   https://online3.superoffice.com/Cust12345/default.aspx?appointment.main?appointment_id=124
//   https://online3.superoffice.com/Cust12345/default.aspx?appointment.main[new=true]?appointment_id=0&doby=...
// (docs/en/ui/soprotocol in SuperOfficeDocs). URLSearchParams reads that as one odd parameter, so a pattern reads it.
// A classic script (content scripts) that tests import for its side effect: globalThis.meetings.soProtocol.
(() => {
  const meetings = (globalThis.meetings ||= {});

  // "appointment" or "appointment.main" (or a deeper panel of it), an optional [flags] part, then "?" and its fields.
  const APPOINTMENT = /[?&]appointment(?:\.[\w.]+)?(\[[^\]?#]*\])?\?([^?#]*)/i;

  function decoded(text) {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  }

  function fields(query) {
    const found = {};
    for (const part of query.split("&")) {
      const [name, ...value] = part.split("=");
      if (name) found[name.trim().toLowerCase()] = value.join("=").trim();
    }
    return found;
  }

  // The follow-up the address shows: {appointmentId, isNew}; appointmentId null for a new one.
  // null when the address holds no appointment (the diary, another screen, or not SoProtocol at all).
  function appointmentInAddress(href) {
    const match = APPOINTMENT.exec(decoded(String(href || "")));
    if (!match) return null;
    const flags = (match[1] || "").toLowerCase();
    const id = fields(match[2]).appointment_id;
    if (id === undefined || !/^\d{1,10}$/.test(id)) return null;
    const number = Number(id);
    const isNew = /\bnew\s*=\s*true\b/.test(flags) || number === 0;
    return { appointmentId: isNew || !Number.isSafeInteger(number) ? null : number, isNew };
  }

  meetings.soProtocol = { appointmentInAddress };
})();
