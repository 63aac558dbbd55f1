/**
 * Every verb ktl knows. A new verb (say `ktl cluster up`) is a Command in
 * its own file, added to the list here; `group()` gives a multi-word
 * family its help line.
 */
import { CommandRegistry } from "../cli/registry.js";
import { apiResourcesCommand } from "./api-resources.js";
import { applyCommand } from "./apply.js";
import { clusterDownCommand } from "./cluster-down.js";
import { clusterLogsCommand } from "./cluster-logs.js";
import { clusterStatusCommand } from "./cluster-status.js";
import { clusterUpCommand } from "./cluster-up.js";
import { completeCommand, completionCommand } from "./completion.js";
import {
  configViewCommand,
  currentContextCommand,
  getContextsCommand,
  setContextCommand,
  useContextCommand,
} from "./config.js";
import { cordonCommand, uncordonCommand } from "./cordon.js";
import { createCommand, createNamespaceCommand } from "./create.js";
import { deleteCommand } from "./delete.js";
import { describeCommand } from "./describe.js";
import { drainCommand } from "./drain.js";
import { editCommand } from "./edit.js";
import { execCommand } from "./exec.js";
import { getCommand } from "./get.js";
import { imagePushCommand } from "./image-push.js";
import { imageSeedCommand } from "./image-seed.js";
import { logsCommand } from "./logs.js";
import { annotateCommand, labelCommand } from "./metadata-edit.js";
import {
  rolloutPauseCommand,
  rolloutRestartCommand,
  rolloutResumeCommand,
  rolloutUndoCommand,
} from "./rollout-actions.js";
import { rolloutHistoryCommand } from "./rollout-history.js";
import { rolloutStatusCommand } from "./rollout-status.js";
import { scaleCommand } from "./scale.js";
import { setImageCommand } from "./set-image.js";
import { versionCommand } from "./version.js";

export const registry = new CommandRegistry()
  .group("rollout", "Manage the rollout of a resource")
  .group("set", "Set specific features on objects")
  .group("config", "Modify kubeconfig files")
  .group("cluster", "Run a local cluster on this machine: up, down, status, logs")
  .group("image", "Manage images in the cluster's registry")
  .add(
    createCommand,
    createNamespaceCommand,
    getCommand,
    editCommand,
    deleteCommand,
    describeCommand,
    applyCommand,
    setImageCommand,
    rolloutStatusCommand,
    rolloutHistoryCommand,
    rolloutUndoCommand,
    rolloutRestartCommand,
    rolloutPauseCommand,
    rolloutResumeCommand,
    scaleCommand,
    logsCommand,
    execCommand,
    labelCommand,
    annotateCommand,
    cordonCommand,
    uncordonCommand,
    drainCommand,
    configViewCommand,
    useContextCommand,
    setContextCommand,
    currentContextCommand,
    getContextsCommand,
    apiResourcesCommand,
    versionCommand,
    completionCommand,
    clusterUpCommand,
    clusterDownCommand,
    clusterStatusCommand,
    clusterLogsCommand,
    imagePushCommand,
    imageSeedCommand,
  );
registry.add(completeCommand(registry));
