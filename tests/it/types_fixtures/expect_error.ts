// Every `@ts-expect-error` line must be an error: tsc fails with TS2578 ("unused
// '@ts-expect-error' directive") when the line below one compiles.
import type { NewTask, Task, TaskUpdate } from "./repo";
import type { Everything, NewEverything, EverythingUpdate, NewCounter, Mood } from "./all_types";

// A required insert field is missing (title).
// @ts-expect-error
const missingTitle: NewTask = { description: "no title" };
// A wrong label of a check-narrowed column.
// @ts-expect-error
const wrongStatus: NewTask = { title: "t", status: "later" };
// A wrong enum label.
// @ts-expect-error
const wrongMood: Mood = "angry";
// null into a not-null column, in an insert and in an update.
// @ts-expect-error
const nullTitle: NewTask = { title: null };
// @ts-expect-error
const nullTitlePatch: TaskUpdate = { title: null };
// Writing a generated column, and an identity-always one.
// @ts-expect-error
const generated: EverythingUpdate = { twice: 4 };
// @ts-expect-error
const identity: NewCounter = { id: 1 };
// bigint is a string (no silent precision loss).
// @ts-expect-error
const bigAsNumber: Everything["big"] = 1;
// A nullable column read as not null.
// @ts-expect-error
const notNull: string = ({} as Task).description;
// A missing required field of the all-types table (feeling, an enum).
// @ts-expect-error
const noFeeling: NewEverything = { small: 1, big: "1", r: 1, d: 1, num: "1", flag: true, t: "", u: "", jb: null, tstz: "", dur: "", tags: [] };
// A column that does not exist.
// @ts-expect-error
const unknownColumn: TaskUpdate = { titel: "x" };

export const used = [
  missingTitle, wrongStatus, wrongMood, nullTitle, nullTitlePatch, generated, identity,
  bigAsNumber, notNull, noFeeling, unknownColumn,
];
