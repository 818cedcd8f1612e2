// Validation the CRD schema cannot express: one action per step, weights in range, services the
// routers need, combinations that only work together. Pure: the controller turns the result into
// an InvalidSpec condition and a Warning Event; `kubectl ramp lint` prints it.
import { InvalidSpecMessage as M } from '../api/conditions.js';
import {
  canaryStepKinds,
  type CanaryStep,
  type CanaryStrategy,
  type RolloutSpec,
} from '../api/rollout.js';
import { durationSeconds } from './durations.js';

/** One problem, at a field path such as `spec.strategy.canary.steps[2]`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

type Routing = NonNullable<CanaryStrategy['trafficRouting']>;
type BlueGreen = NonNullable<NonNullable<RolloutSpec['strategy']>['blueGreen']>;
type StringMatch = { exact?: string; prefix?: string; regex?: string } | undefined;

const err = (field: string, message: string): FieldError => ({ field, message });

/** The Argo plugin name under which the Gateway API router is configured. */
export const gatewayApiPlugin = 'argoproj-labs/gatewayAPI';

/** Routers ramp accepts in manifests but does not drive. */
const unsupportedRouters = ['alb', 'ambassador', 'appMesh', 'apisix'] as const;

/** Every problem with a Rollout spec; empty when it is valid. */
export function validateRolloutSpec(spec: RolloutSpec): FieldError[] {
  return [...validateWorkload(spec), ...validateNumbers(spec), ...validateStrategy(spec)];
}

/** The InvalidSpec condition message for a list of problems. */
export function invalidSpecMessage(name: string, errors: readonly FieldError[]): string {
  return M.invalid(name, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
}

interface TemplateShape {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: unknown[] };
}

function validateWorkload(spec: RolloutSpec): FieldError[] {
  if (spec.workloadRef) {
    const hasTemplate = Object.keys(spec.template ?? {}).length > 0;
    return hasTemplate ? [err('spec.template', M.templateWithWorkloadRef)] : [];
  }
  if (!spec.selector) return [err('spec.selector', M.missingField('.spec.selector'))];
  const matchLabels = spec.selector.matchLabels ?? {};
  const terms = Object.keys(matchLabels).length + (spec.selector.matchExpressions?.length ?? 0);
  if (terms === 0) return [err('spec.selector', M.emptySelector)];
  return validateTemplate(spec.template, matchLabels);
}

function validateTemplate(
  template: TemplateShape | undefined,
  matchLabels: Record<string, string>,
): FieldError[] {
  const out: FieldError[] = [];
  if ((template?.spec?.containers?.length ?? 0) === 0) {
    out.push(
      err('spec.template.spec.containers', M.missingField('.spec.template.spec.containers')),
    );
  }
  const labels = template?.metadata?.labels ?? {};
  if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
    out.push(err('spec.template.metadata.labels', M.selectorMismatch));
  }
  return out;
}

function validateNumbers(spec: RolloutSpec): FieldError[] {
  const out: FieldError[] = [];
  for (const field of [
    'replicas',
    'minReadySeconds',
    'revisionHistoryLimit',
    'progressDeadlineSeconds',
  ] as const) {
    const value = spec[field];
    if (value !== undefined && value < 0) out.push(err(`spec.${field}`, M.negative));
  }
  if ((spec.progressDeadlineSeconds ?? 600) <= (spec.minReadySeconds ?? 0)) {
    out.push(err('spec.progressDeadlineSeconds', M.deadlineNotAfterMinReady));
  }
  return out;
}

function validateStrategy(spec: RolloutSpec): FieldError[] {
  const { canary, blueGreen } = spec.strategy ?? {};
  if (canary && blueGreen) return [err('spec.strategy', M.multipleStrategies)];
  if (canary) return validateCanary(canary);
  if (blueGreen) return validateBlueGreen(blueGreen, spec.revisionHistoryLimit ?? 10);
  return [
    err('spec.strategy', M.missingField('.spec.strategy.canary or .spec.strategy.blueGreen')),
  ];
}

function validateBlueGreen(bg: BlueGreen, revisionHistoryLimit: number): FieldError[] {
  const at = 'spec.strategy.blueGreen';
  const out: FieldError[] = [];
  if (bg.activeService === bg.previewService)
    out.push(err(`${at}.activeService`, M.duplicatedBlueGreenServices));
  if (
    bg.scaleDownDelayRevisionLimit !== undefined &&
    bg.scaleDownDelayRevisionLimit > revisionHistoryLimit
  ) {
    out.push(err(`${at}.scaleDownDelayRevisionLimit`, M.scaleDownLimitAboveHistory));
  }
  out.push(...validateIntOrPercent(bg.maxUnavailable, `${at}.maxUnavailable`));
  out.push(...validateAntiAffinity(bg.antiAffinity, `${at}.antiAffinity`));
  for (const gate of ['prePromotionAnalysis', 'postPromotionAnalysis'] as const)
    out.push(...validateAnalysisRef(bg[gate], `${at}.${gate}`));
  return out;
}

function validateCanary(canary: CanaryStrategy): FieldError[] {
  const at = 'spec.strategy.canary';
  const routing = canary.trafficRouting;
  return [
    ...validateSurge(canary),
    ...validateServices(canary),
    ...(routing ? validateRouting(canary, routing) : validateWithoutRouting(canary)),
    ...(canary.steps ?? []).flatMap((step, i) => validateStep(step, `${at}.steps[${i}]`, routing)),
    ...validateAntiAffinity(canary.antiAffinity, `${at}.antiAffinity`),
    ...validateAnalysisRef(canary.analysis, `${at}.analysis`),
  ];
}

/** An IntOrString as an integer or percentage number; undefined when it is neither. */
export function intOrPercentValue(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const match = /^(\d+)%$/.exec(value.trim()) ?? /^(\d+)$/.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

function validateIntOrPercent(value: number | string | undefined, field: string): FieldError[] {
  return value === undefined || intOrPercentValue(value) !== undefined
    ? []
    : [err(field, M.invalidIntOrPercent)];
}

function validateSurge(canary: CanaryStrategy): FieldError[] {
  const at = 'spec.strategy.canary';
  const out = [
    ...validateIntOrPercent(canary.maxSurge, `${at}.maxSurge`),
    ...validateIntOrPercent(canary.maxUnavailable, `${at}.maxUnavailable`),
  ];
  if (out.length > 0) return out;
  const surge = intOrPercentValue(canary.maxSurge ?? '25%');
  const unavailable = intOrPercentValue(canary.maxUnavailable ?? '25%');
  return surge === 0 && unavailable === 0
    ? [err(`${at}.maxSurge`, M.maxSurgeAndUnavailableZero)]
    : [];
}

/** True when the routing needs both canaryService and stableService. */
function routingNeedsServices(routing: Routing): boolean {
  const plugins = routing.plugins ?? {};
  return Boolean(
    routing.nginx ||
    routing.smi ||
    routing.traefik ||
    (routing.istio && !routing.istio.destinationRule) ||
    plugins[gatewayApiPlugin],
  );
}

function validateServices(canary: CanaryStrategy): FieldError[] {
  const at = 'spec.strategy.canary';
  const out: FieldError[] = [];
  if (canary.canaryService && canary.canaryService === canary.stableService) {
    out.push(err(`${at}.stableService`, M.duplicatedCanaryServices));
  }
  if (canary.trafficRouting && routingNeedsServices(canary.trafficRouting)) {
    if (!canary.stableService) out.push(err(`${at}.stableService`, M.trafficRoutingNeedsServices));
    if (!canary.canaryService) out.push(err(`${at}.canaryService`, M.trafficRoutingNeedsServices));
  }
  return out;
}

function validateWithoutRouting(canary: CanaryStrategy): FieldError[] {
  const at = 'spec.strategy.canary';
  const out: FieldError[] = [];
  if (canary.scaleDownDelaySeconds !== undefined)
    out.push(err(`${at}.scaleDownDelaySeconds`, M.scaleDownDelayNeedsRouting));
  if (canary.dynamicStableScale)
    out.push(err(`${at}.dynamicStableScale`, M.dynamicStableScaleNeedsRouting));
  if (canary.pingPong) out.push(err(`${at}.pingPong`, M.unsupported('pingPong')));
  return out;
}

function validateRouting(canary: CanaryStrategy, routing: Routing): FieldError[] {
  const at = 'spec.strategy.canary';
  const out: FieldError[] = [];
  if (canary.scaleDownDelaySeconds !== undefined && canary.dynamicStableScale) {
    out.push(err(`${at}.dynamicStableScale`, M.dynamicStableScaleWithDelay));
  }
  for (const router of unsupportedRouters) {
    if (routing[router])
      out.push(err(`${at}.trafficRouting.${router}`, M.unsupported(`trafficRouting.${router}`)));
  }
  for (const plugin of Object.keys(routing.plugins ?? {})) {
    if (plugin !== gatewayApiPlugin)
      out.push(
        err(`${at}.trafficRouting.plugins`, M.unsupported(`the traffic router plugin ${plugin}`)),
      );
  }
  if (canary.pingPong) out.push(err(`${at}.pingPong`, M.unsupported('pingPong')));
  return out;
}

function stepKeys(step: CanaryStep): string[] {
  return canaryStepKinds.filter((kind) => step[kind] !== undefined);
}

function validateStep(step: CanaryStep, at: string, routing: Routing | undefined): FieldError[] {
  const keys = stepKeys(step);
  if (keys.length === 0) return [err(at, M.noStepKey)];
  if (keys.length > 1) return [err(at, M.manyStepKeys(keys))];
  return [...validateStepValues(step, at, routing), ...validateRouteSteps(step, at, routing)];
}

function validateStepValues(
  step: CanaryStep,
  at: string,
  routing: Routing | undefined,
): FieldError[] {
  const max = routing?.maxTrafficWeight ?? 100;
  const out: FieldError[] = [];
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > max)) {
    out.push(err(`${at}.setWeight`, M.setWeightRange(max)));
  }
  if (step.pause) out.push(...validatePause(step.pause.duration, `${at}.pause.duration`));
  if (step.setCanaryScale && !routing) {
    out.push(err('spec.strategy.canary.trafficRouting', M.setCanaryScaleNeedsRouting));
  }
  return [...out, ...unsupportedSteps(step, at)];
}

function unsupportedSteps(step: CanaryStep, at: string): FieldError[] {
  const out: FieldError[] = [];
  if (step.experiment) out.push(err(`${at}.experiment`, M.unsupported('The experiment step')));
  if (step.plugin) out.push(err(`${at}.plugin`, M.unsupported('The plugin step')));
  out.push(...validateAnalysisRef(step.analysis, `${at}.analysis`));
  return out;
}

function validatePause(duration: number | string | undefined, field: string): FieldError[] {
  const seconds = durationSeconds(duration);
  return seconds !== undefined && !(seconds >= 0) ? [err(field, M.invalidDuration)] : [];
}

function supportsRouteSteps(routing: Routing | undefined): boolean {
  return Boolean(routing?.istio || (routing?.plugins ?? {})[gatewayApiPlugin]);
}

function validateRouteSteps(
  step: CanaryStep,
  at: string,
  routing: Routing | undefined,
): FieldError[] {
  const route = step.setHeaderRoute ?? step.setMirrorRoute;
  if (!route) return [];
  const kind = step.setHeaderRoute ? 'setHeaderRoute' : 'setMirrorRoute';
  if (!supportsRouteSteps(routing)) {
    return [
      err(
        `${at}.${kind}`,
        kind === 'setHeaderRoute' ? M.setHeaderRouteNeedsRouting : M.setMirrorRouteNeedsRouting,
      ),
    ];
  }
  const managed = routing?.managedRoutes;
  if (!managed)
    return [err('spec.strategy.canary.trafficRouting.managedRoutes', M.managedRoutesMissing)];
  const out: FieldError[] = [];
  if (!managed.some((r) => r.name === route.name))
    out.push(err(`${at}.${kind}`, M.routeNotManaged));
  out.push(...validateMatches(step, `${at}.${kind}`));
  return out;
}

function validateMatches(step: CanaryStep, at: string): FieldError[] {
  const matchers: [string, StringMatch][] = [
    ...(step.setHeaderRoute?.match ?? []).map((m, j): [string, StringMatch] => [
      `${at}.match[${j}].headerValue`,
      m.headerValue,
    ]),
    ...(step.setMirrorRoute?.match ?? []).flatMap((m, j): [string, StringMatch][] => [
      ...(m.method ? [[`${at}.match[${j}].method`, m.method] as [string, StringMatch]] : []),
      ...(m.path ? [[`${at}.match[${j}].path`, m.path] as [string, StringMatch]] : []),
      ...Object.entries(m.headers ?? {}).map(([h, v]): [string, StringMatch] => [
        `${at}.match[${j}].headers.${h}`,
        v,
      ]),
    ]),
  ];
  return matchers
    .filter(([, m]) => !exactlyOneMatch(m))
    .map(([field]) => err(field, M.stringMatchOneOf));
}

function exactlyOneMatch(match: StringMatch): boolean {
  return (
    [match?.exact, match?.prefix, match?.regex].filter((v) => v !== undefined && v !== '')
      .length === 1
  );
}

function validateAntiAffinity(
  antiAffinity: CanaryStrategy['antiAffinity'],
  field: string,
): FieldError[] {
  if (!antiAffinity) return [];
  const preferred = antiAffinity.preferredDuringSchedulingIgnoredDuringExecution !== undefined;
  const required = antiAffinity.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
  return preferred === required ? [err(field, M.antiAffinityOneOf)] : [];
}

/** An analysis reference must name at least one template, each by name. */
function validateAnalysisRef(
  analysis: { templates?: { templateName?: string }[] } | undefined,
  at: string,
): FieldError[] {
  if (!analysis) return [];
  const templates = analysis.templates ?? [];
  if (templates.length === 0) return [err(`${at}.templates`, M.analysisNeedsTemplate)];
  return templates.flatMap((t, i) =>
    t.templateName ? [] : [err(`${at}.templates[${i}].templateName`, M.analysisNeedsTemplate)],
  );
}
