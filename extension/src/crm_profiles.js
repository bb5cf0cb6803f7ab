// Everything the extension knows about the CRM's screens, as data: crm_adapter.js reads this table and nothing else
// knows the CRM's markup. A CRM change is a change here.
//
// Labels are matched on the text a person sees (a <label>, aria-label or aria-labelledby), trimmed, without a
// trailing ":" or "*", ignoring case, in SuperOffice's UI languages en, nb, sv, da, de, nl. Translations marked
// UNSURE are our best reading of SuperOffice's wording, not taken from its UI: correct them from a real tenant.
// A classic script (content scripts) that tests import for its side effect: globalThis.meetings.crmProfiles.
(() => {
  const meetings = (globalThis.meetings ||= {});

  const LABELS = {
    title: { en: ["Title"], nb: ["Tittel"], sv: ["Titel"], da: ["Titel"], de: ["Titel"], nl: ["Titel"] },
    meetingType: {
      en: ["Meeting type", "Type"],
      nb: ["Møtetype", "Type"],
      sv: ["Mötestyp", "Typ"],
      da: ["Mødetype", "Type"],
      de: ["Besprechungstyp", "Typ"], // "Besprechungstyp": UNSURE
      nl: ["Vergadertype", "Type"], // "Vergadertype": UNSURE
    },
    start: { en: ["Start"], nb: ["Start"], sv: ["Start"], da: ["Start"], de: ["Beginn", "Start"], nl: ["Begin", "Start"] },
    end: {
      en: ["End", "Due"],
      nb: ["Slutt", "Frist"], // "Frist" (due): UNSURE
      sv: ["Slut"],
      da: ["Slut"],
      de: ["Ende"],
      nl: ["Einde", "Eind"], // "Eind": UNSURE
    },
    location: { en: ["Location"], nb: ["Sted"], sv: ["Plats"], da: ["Sted"], de: ["Ort"], nl: ["Locatie"] },
    description: {
      en: ["Description"],
      nb: ["Beskrivelse"],
      sv: ["Beskrivning"],
      da: ["Beskrivelse"],
      de: ["Beschreibung"],
      nl: ["Beschrijving"],
    },
    alarm: {
      en: ["Alarm"],
      nb: ["Alarm"],
      sv: ["Larm"],
      da: ["Alarm"],
      de: ["Alarm", "Erinnerung"], // "Erinnerung": UNSURE
      nl: ["Alarm", "Herinnering"], // "Herinnering": UNSURE
    },
    alarmLeadTime: {
      en: ["Alarm lead time"],
      nb: ["Varslingstid"], // UNSURE
      sv: ["Larmtid"], // UNSURE
      da: ["Alarmtid"], // UNSURE
      de: ["Vorlaufzeit"], // UNSURE
      nl: ["Waarschuwingstijd"], // UNSURE
    },
    save: { en: ["Save"], nb: ["Lagre"], sv: ["Spara"], da: ["Gem"], de: ["Speichern"], nl: ["Opslaan"] },
    cancel: {
      en: ["Cancel", "Close"],
      nb: ["Avbryt", "Lukk"],
      sv: ["Avbryt", "Stäng"],
      da: ["Annuller", "Luk"], // "Annuller": UNSURE (could be "Fortryd")
      de: ["Abbrechen", "Schließen"],
      nl: ["Annuleren", "Sluiten"],
    },
    // The accessible name of SuperOffice's own video-meeting icon in the follow-up dialog. UNCONFIRMED for every
    // language: no public sample of its markup; SuperOffice's docs call the feature "video meeting".
    videoMeeting: {
      en: ["Video meeting"],
      nb: ["Videomøte"],
      sv: ["Videomöte"],
      da: ["Videomøde"],
      de: ["Videomeeting", "Videokonferenz"],
      nl: ["Videovergadering"],
    },
  };

  const LANGUAGES = ["en", "nb", "sv", "da", "de", "nl"];

  // One profile per kind of CRM page; the first whose `detect` matches the document is used, the last is the default.
  const PROFILES = [
    {
      // The sandbox CRM (backend/sandbox/superoffice): our own markup, so every anchor here is confirmed.
      name: "sandbox",
      detect: '[data-so-dialog="followup"], .so-shell[data-context-id]',
      dialog: '[role="dialog"]',
      // The saved appointment's id on the dialog element (0 for a new one), used when the address has no SoProtocol.
      dialogAppointmentId: "data-appointment-id",
      diaryEntries: '[aria-label="Diary week"] [data-appointment-id]',
      diaryEntryAppointmentId: "data-appointment-id",
      sidePanel: '[aria-label="Side panel"]',
      sidePanelAppointmentId: "data-appointment-id",
    },
    {
      // SuperOffice's web client, Online (*.superoffice.com) and on-site. Its markup is UNCONFIRMED (no public
      // sample; the redesigned dialog and per-group Screen Designer layouts differ between tenants), so only
      // accessible anchors: a dialog role and the field labels above. The appointment id comes from the SoProtocol
      // address only; the diary and side panel are not marked until their markup is confirmed.
      name: "superoffice",
      detect: null,
      dialog: '[role="dialog"]',
      dialogAppointmentId: null,
      diaryEntries: null,
      diaryEntryAppointmentId: null,
      sidePanel: null,
      sidePanelAppointmentId: null,
    },
  ];

  // Controls a label may name, and what may carry SuperOffice's own video-meeting icon's accessible name.
  const FIELD_CONTROLS = 'input, select, textarea, [role="textbox"], [role="combobox"], [role="checkbox"]';
  const BUTTONS = 'button, [role="button"], input[type="submit"], input[type="button"]';
  const OWN_VIDEO_MEETING = 'button, [role="button"], [role="switch"], [role="checkbox"], [role="img"], [aria-label], [title]';
  // Named "Video meeting" but not SuperOffice's icon: a web panel's tab and frame (our own web panel is one).
  const NOT_OWN_VIDEO_MEETING = 'iframe, frame, [role="tab"]';

  // Every wording of a label, in all languages, normalised for comparison.
  function labelTexts(key) {
    return new Set(LANGUAGES.flatMap((language) => LABELS[key][language] || []).map(normaliseLabel));
  }

  function normaliseLabel(text) {
    return String(text || "")
      .normalize("NFC")
      .replace(/\s+/g, " ")
      .trim()
      .replace(/\s*[:*]+$/, "")
      .toLowerCase();
  }

  meetings.crmProfiles = {
    LABELS,
    LANGUAGES,
    PROFILES,
    FIELD_CONTROLS,
    BUTTONS,
    OWN_VIDEO_MEETING,
    NOT_OWN_VIDEO_MEETING,
    labelTexts,
    normaliseLabel,
  };
})();
