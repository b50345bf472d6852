// The organization's webhooks: where its alerts and promotions are delivered. Created,
// paused, resumed and deleted here through the same API (an administrator's credential); a
// new webhook's secret is shown once, as the API answers it.

import { get, patch, post, remove } from "../api.js";
import { empty, failure, fill, h, loading } from "../dom.js";
import { formatDateTime } from "../format.js";
import { confirmingButton, field, textInput, writingForm } from "../forms.js";

const EVENTS = ["alert.raised", "alert.escalated", "alert.eased", "alert.resolved", "version.promoted"];

export function webhooksSection(holder) {
  const list = h("div", { class: "table-wrap" }, loading("webhooks"));
  const creator = h("div", { class: "panel-form", id: "webhook-create" });
  const newButton = h("button", { type: "button", class: "button", id: "webhook-new", onclick: () => openForm() }, "New webhook");
  fill(holder, h("section", { class: "panel panel-flush", id: "webhooks", "aria-labelledby": "webhooks-title" },
    h("header", { class: "panel-head" }, h("h2", { id: "webhooks-title" }, "Webhooks"), h("div", { class: "panel-controls" }, newButton)),
    creator, list));

  function openForm() {
    newButton.hidden = true;
    const boxes = EVENTS.map((name) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "events", value: name, checked: name.startsWith("alert.") }), name));
    fill(creator, writingForm({
      id: "webhook-form",
      submitLabel: "Create webhook",
      fields: [
        field("URL", textInput("url", { required: true, placeholder: "https://hooks.example.com/perfledger", maxlength: 2048 })),
        field("Name", textInput("name", { maxlength: 200 }), "optional"),
        h("fieldset", { class: "form-field" }, h("legend", {}, "Events"), boxes),
      ],
      write: () => {
        const form = creator.querySelector("form");
        const values = new FormData(form);
        const body = { url: values.get("url"), events: values.getAll("events") };
        if (values.get("name")) body.name = values.get("name");
        return post("/api/v1/webhooks", {}, body);
      },
      done: async ({ data }) => {
        fill(creator, h("p", { class: "state", id: "webhook-secret" },
          "Created. Its signing secret, shown this once: ", h("code", {}, data.secret),
          h("button", { type: "button", class: "button button-small", onclick: closeForm }, "Done")));
        await load(data.position);
      },
      cancel: closeForm,
    }));
  }

  function closeForm() {
    fill(creator);
    newButton.hidden = false;
  }

  async function load(minPosition) {
    const { data } = await get("/api/v1/webhooks", { min_position: minPosition });
    if (!data.length) {
      fill(list, empty("No webhooks: alerts are not delivered anywhere yet."));
      return;
    }
    fill(list, h("table", { class: "data", id: "webhooks-table" },
      h("thead", {}, h("tr", {}, ["Webhook", "URL", "Events", "State", "Created", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.map((hook) => h("tr", { "data-webhook-id": hook.webhook_id, "data-paused": String(hook.paused) },
        h("th", { scope: "row" }, hook.name || "unnamed"),
        h("td", {}, h("code", {}, hook.url)),
        h("td", {}, hook.events.join(", ")),
        h("td", {}, hook.paused ? "paused: nothing is sent" : "delivering"),
        h("td", {}, formatDateTime(hook.created_at)),
        h("td", { class: "row-actions" }, h("button", {
          type: "button", class: "button button-small", "data-action": hook.paused ? "resume" : "pause",
          onclick: async () => {
            try {
              const { data: changed } = await patch(`/api/v1/webhooks/${encodeURIComponent(hook.webhook_id)}`, { paused: !hook.paused });
              await load(changed.position ?? undefined);
            } catch (error) {
              fill(creator, failure(error));
            }
          },
        }, hook.paused ? "Resume" : "Pause"), confirmingButton("Delete", async () => {
          try {
            const { data: deleted } = await remove(`/api/v1/webhooks/${encodeURIComponent(hook.webhook_id)}`);
            await load(deleted.position);
          } catch (error) {
            fill(creator, failure(error));
          }
        }, { "data-action": "delete" })))))));
  }
  load().catch((error) => fill(list, failure(error)));
}
