// Must compile under `tsc --strict --noEmit`: how a frontend uses the generated types.
import type { Database, Json, Task, NewTask, TaskUpdate, Reminder } from "./repo";
import type {
  Everything,
  NewEverything,
  EverythingUpdate,
  EverythingStatus,
  Mood,
  Level,
  OtherTask,
  NewCounter,
  String2,
  TaskCategory,
} from "./all_types";
import type { Database as AllTypes } from "./all_types";

// Only the required fields.
const newTask: NewTask = { title: "Write the types" };
// Every field, nullable ones as null.
const fullTask: NewTask = {
  id: "0b0f6a2e-6d3c-4f2e-9c1a-2f3d4e5f6a7b",
  title: "t",
  description: null,
  status: "in_progress",
  priority: 3,
  project: null,
  due_date: "2026-12-24T18:30:00Z",
  tags: ["a", "b"],
  created_at: null,
  updated_at: null,
  completed_at: null,
};
const patch: TaskUpdate = { status: "done", completed_at: new Date().toISOString() };
const emptyPatch: TaskUpdate = {};

function describe(task: Task): string {
  const status: "todo" | "in_progress" | "done" | "blocked" | null = task.status;
  const tags: string[] = task.tags ?? [];
  return `${task.title} ${status ?? "?"} ${tags.join(",")} ${task.id.length}`;
}
function remind(r: Reminder): boolean {
  return r.notified === true && typeof r.remind_at === "string";
}
type Tables = Database["public"]["Tables"];
const relation: Tables["reminders"]["Relationships"][0]["referencedRelation"] = "tasks";

const json: Json = { a: [1, "x", null, { b: true }], c: undefined };
const mood: Mood = "in progress";
const moods: AllTypes["public"]["Enums"]["mood"][] = ["calm", "busy"];
const level: Level = "warn";
const newEverything: NewEverything = {
  small: 1,
  big: "9007199254740993",
  r: 1.5,
  d: 2,
  num: "12.5",
  flag: true,
  t: "text",
  u: "0b0f6a2e-6d3c-4f2e-9c1a-2f3d4e5f6a7b",
  jb: json,
  tstz: "2026-12-24T18:30:00Z",
  dur: "1 day",
  tags: [],
  feeling: mood,
  feelings: moods,
  lvl: level,
  status: "it's done",
  type: "keyword column",
  self: null,
  "Due date": "2027-03-01",
  "2fa": false,
  cash: "$1.00",
};
const everythingPatch: EverythingUpdate = { ticket: 3, cash: null, durs: ["1 day"] };

function read(e: Everything): [number, string, string, string | null, Json] {
  const twice: number | null = e.twice;
  const status: EverythingStatus = e.status;
  return [e.small + (twice ?? 0), e.big, status, e["Due date"], e.jb];
}
const other: OtherTask = { id: 1, lvl: "info" };
const counter: NewCounter = {};
const s: String2 = { value: "x" };
const c: TaskCategory = { name: "c" };

export const used = [
  newTask, fullTask, patch, emptyPatch, describe, remind, relation, newEverything,
  everythingPatch, read, other, counter, s, c,
];
