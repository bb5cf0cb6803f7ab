// The content script: watches the CRM page and gives every follow-up dialog its video controls, once, again
// after the CRM re-renders the dialog. Cheap when there is no dialog: one query per animation frame of changes.

import {
  findFollowUpDialogs,
  hasVideoControls,
  placeMeetingPanel,
  placeVideoControls,
  removeVideoControls,
} from "./crm_adapter.js";
import { createVideoControls } from "./video_controls.js";

function equip(dialog) {
  if (hasVideoControls(dialog)) return;
  removeVideoControls(dialog); // half of a previous pair, if the CRM re-rendered one part
  const { controlsHost, panelHost } = createVideoControls();
  placeVideoControls(dialog, controlsHost);
  placeMeetingPanel(dialog, panelHost);
}

export function start(doc) {
  let scheduled = false;
  const scan = () => {
    scheduled = false;
    for (const dialog of findFollowUpDialogs(doc)) equip(dialog);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(scan);
  };
  new MutationObserver(schedule).observe(doc.body, { childList: true, subtree: true });
  scan();
}
