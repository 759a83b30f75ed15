// The workflow's script (INPUT_SCRIPT) as actions/github-script runs it: an async function of
// require, github, context and core, in the workspace. `github` serves the calls the workflows
// make from a JSON file and records each one, so a test can assert what a run would have posted.
const fs = require("fs");

const statePath = process.env.FCBENCH_ACT_GITHUB_API;
const api = JSON.parse(fs.readFileSync(statePath, "utf8"));
api.pulls = api.pulls || [];
api.comments = api.comments || [];
api.calls = api.calls || [];
const save = () => fs.writeFileSync(statePath, JSON.stringify(api, null, 2));
const event = JSON.parse(fs.readFileSync(process.env.GITHUB_EVENT_PATH, "utf8"));
const [owner, repo] = (event.repository && event.repository.full_name || process.env.GITHUB_REPOSITORY).split("/");
const context = {
  repo: { owner, repo },
  payload: event,
  eventName: process.env.GITHUB_EVENT_NAME,
  sha: process.env.GITHUB_SHA,
  issue: { owner, repo, number: (event.pull_request || event.issue || {}).number },
};
const call = (name, args) => api.calls.push({ name, args });
const github = {
  paginate: async (method, args) => (await method(args)).data,
  rest: {
    pulls: {
      list: async (args) => {
        call("pulls.list", args);
        return { data: api.pulls.filter(p => args.state === "all" || p.state === (args.state || "open")) };
      },
    },
    issues: {
      listComments: async (args) => {
        call("issues.listComments", args);
        return { data: api.comments.filter(c => c.issue_number === args.issue_number) };
      },
      createComment: async (args) => {
        call("issues.createComment", args);
        const comment = { id: 1000 + api.comments.length, issue_number: args.issue_number, body: args.body,
                          user: { login: "github-actions[bot]" } };
        api.comments.push(comment);
        return { data: comment };
      },
      updateComment: async (args) => {
        call("issues.updateComment", args);
        const comment = api.comments.find(c => c.id === args.comment_id);
        if (!comment) throw new Error(`no comment ${args.comment_id}`);
        comment.body = args.body;
        return { data: comment };
      },
    },
  },
};
const core = {
  info: (m) => console.log(m),
  notice: (m) => { call("core.notice", { message: m }); console.log(`::notice::${m}`); },
  warning: (m) => console.log(`::warning::${m}`),
  setFailed: (m) => { console.log(`::error::${m}`); process.exitCode = 1; },
};
process.chdir(process.env.GITHUB_WORKSPACE || ".");
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction("require", "github", "context", "core", process.env.INPUT_SCRIPT)(require, github, context, core)
  .then(save)
  .catch((err) => { save(); console.error(err); process.exit(1); });
