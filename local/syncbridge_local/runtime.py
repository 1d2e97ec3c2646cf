"""The embedded local runtime: Sync Bridge as SAM declares it, on this machine, no AWS, no Docker.

    with LocalRuntime.start("template.yaml") as rt:
        httpx.get(rt.base_url + "/health")             # through the local API Gateway
        rt.send_message("ImportQueue", {"action": "import", ...})
        rt.wait_idle()                                  # pollers drained every queue
        rt.invoke("SchedulerFunction", {"action": "reconcile"})
        rt.fire_schedule("IncrementalSyncSchedule")

Every function runs in worker processes of its own, one per execution environment (see
`syncbridge_local.lambdas` and `.sandbox`): its own environment variables, a cold start then
warm invocations, up to `concurrency` at once, the template's Timeout and MemorySize
enforced. The API gateway serves requests concurrently; each queue mapping runs
`poller_concurrency` pollers. This process keeps the journal of every invocation.

Start-up: moto (one server process per Python process, reached over HTTP) -> the simulators in
`syncbridge_local.simulators.REGISTRY` -> the API server's port -> template parameters
(local URLs override the defaults) -> every resource the template declares, created in
moto -> each simulator's optional `on_stack_ready(runtime)` hook (e.g. to register the
OAuth client whose secret the template generated) -> handlers imported with their
environment -> API routes, queue pollers, schedules (environments start on first use, or
all at once with `prewarm=True`).
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from syncbridge_local import environment, moto_server
from syncbridge_local.api_schedules import ApiScheduleWatcher
from syncbridge_local.gateway import AuthorizerSpec, Gateway, Route
from syncbridge_local.http import RunningServer, serve_wsgi
from syncbridge_local.lambdas import FunctionHost, FunctionSpec
from syncbridge_local.provision import Provisioner, QueueInfo, Stack
from syncbridge_local.queues import QueuePoller, SqsMapping
from syncbridge_local.schedules import ScheduleSpec, ScheduleTimer
from syncbridge_local.template import REGION, Resolver, Template, TemplateError

log = logging.getLogger("syncbridge_local")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
_stack_numbers = itertools.count(1)

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Invocation:
    """One handler call, kept in `LocalRuntime.journal` (newest last) for tests and the demo."""

    function_id: str
    source: str  # "api", "sqs:<queue arn>", "authorizer", "direct"
    event: Any
    result: Any = None
    error: Exception | None = None
    duration_ms: float = 0.0
    cold_start: bool = False  # this invocation paid its environment's init
    max_memory_mb: int = 0  # the environment's peak resident memory so far

    @property
    def ok(self) -> bool:
        return self.error is None

    def message_ids(self) -> list[str]:
        """The SQS message ids in the event (empty for other sources)."""
        if not isinstance(self.event, dict):
            return []
        return [
            r.get("messageId", "") for r in self.event.get("Records", []) if isinstance(r, dict)
        ]


def _event_source(event: Any) -> str:
    if isinstance(event, dict):
        records = event.get("Records")
        if records and isinstance(records, list) and isinstance(records[0], dict):
            return (
                f"{records[0].get('eventSource', 'records')}:{records[0].get('eventSourceARN', '')}"
            )
        if "httpMethod" in event and "requestContext" in event:
            return "api"
        if event.get("type") in ("TOKEN", "REQUEST") and "methodArn" in event:
            return "authorizer"
    return "direct"


@dataclass
class RuntimeOptions:
    """How the runtime drives the template (defaults suit `serve`; tests shrink delays)."""

    parameters: dict[str, str] = field(default_factory=dict)
    port: int = 0
    stack_name: str | None = None
    simulators: bool | Mapping[str, str] = True  # True: the REGISTRY; a dict: these only
    pollers: bool = True
    schedules: bool = True  # run the timer; `fire_schedule` works either way
    schedule_speedup: float = 1.0
    retry_delay: int = 2  # seconds until a failed record is visible again
    poll_wait: int = 1  # long-poll seconds (also bounds how fast `stop()` returns)
    strict: bool = False  # prewarm, and raise at start when a handler fails to import
    prewarm: bool = False  # start one environment per function at start (cold starts now)
    concurrency: int = 16  # environments per function (ReservedConcurrentExecutions caps it)
    poller_concurrency: int = 5  # batches in flight per queue mapping (Lambda starts with 5)
    env: dict[str, str] = field(default_factory=dict)  # extra variables for every function
    echo_logs: bool = True  # copy functions' log lines to this process's stdout


class LocalRuntime:
    """The running product. Build with `LocalRuntime.start(...)`; stop with `stop()`."""

    def __init__(self, template_path: str | Path = DEFAULT_TEMPLATE, **options: Any) -> None:
        self.template = Template.load(template_path)
        self.options = RuntimeOptions(**options)
        number = next(_stack_numbers)
        self.stack_name = self.options.stack_name or (
            "sync-bridge-local" if number == 1 else f"sync-bridge-local{number}"
        )
        self.functions: dict[str, FunctionHost] = {}
        self.routes: list[Route] = []
        self.mappings: list[SqsMapping] = []
        self.schedules: dict[str, ScheduleSpec] = {}
        self.simulators: dict[str, Any] = {}  # env var -> running simulator
        self.stack: Stack | None = None
        self.moto_url = ""
        self._server: RunningServer | None = None
        self._gateway = Gateway([], self.invoke)
        self._pollers: list[QueuePoller] = []
        self._timer: ScheduleTimer | None = None
        self.api_schedules: ApiScheduleWatcher | None = None  # created through the API
        self._exit = ExitStack()
        self._busy = 0
        self._busy_lock = threading.Condition()
        self._started = False
        self.process_env: dict[str, str] = {}
        self._base_env: dict[str, str] = {}  # what every environment gets besides its own
        self.journal: deque[Invocation] = deque(maxlen=2000)  # read it with invocations()
        self._journal_lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def start(cls, template_path: str | Path = DEFAULT_TEMPLATE, **options: Any) -> LocalRuntime:
        """Build and start a runtime (also usable as `with LocalRuntime.start(...) as rt:`)."""
        runtime = cls(template_path, **options)
        try:
            runtime._start()
        except BaseException:
            runtime.stop()
            raise
        return runtime

    def __enter__(self) -> LocalRuntime:
        if not self._started:
            self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        self._started = True
        self.moto_url = moto_server.endpoint_url()
        self._base_env = {
            "AWS_ENDPOINT_URL": self.moto_url,
            "POWERTOOLS_TRACE_DISABLED": "true",
            **FAKE_CREDENTIALS,
        }
        self._exit.callback(_reset_syncbridge_clients)  # runs last: forget moto's endpoint
        self._exit.enter_context(environment.process_env(self._base_env))
        self._base_env |= {  # what Lambda's own environment provides besides the function's
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            **{k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR") if k in os.environ},
        }
        _reset_syncbridge_clients(prewarm=True)
        self._add_layers_to_path()
        sim_urls = self._start_simulators()
        self._server = serve_wsgi(self._dispatch, port=self.options.port, name="api")
        self._exit.callback(self._server.stop)

        parameters = self._parameter_overrides(sim_urls)
        resolver = Resolver(
            parameters=self.template.parameter_values(parameters),
            conditions=self.template.conditions,
            stack_name=self.stack_name,
        )
        self.stack = Stack(self.stack_name, self.template, resolver, self._client)
        Provisioner(self.stack).run()
        for simulator in {id(sim): sim for sim in self.simulators.values()}.values():
            # e.g. the Ekos simulator registers our OAuth client from the generated secret
            hook = getattr(simulator, "on_stack_ready", None)
            if hook is not None:
                try:
                    hook(self)
                except Exception as exc:
                    raise RuntimeError(
                        f"{type(simulator).__name__}.on_stack_ready failed on "
                        f"{self.template.path.name}: {exc}"
                    ) from exc

        self._build_functions(sim_urls)
        self._build_routes()
        self._build_mappings()
        self._build_schedules()
        self.process_env = self._process_env(sim_urls)
        self._exit.enter_context(environment.process_env(self.process_env))
        self._exit.callback(self._stop_functions)
        if self.options.prewarm or self.options.strict:
            errors = self.init_errors()
            for function_id, error in errors.items():
                if self.options.strict:
                    raise TemplateError(f"{function_id}: {error!r}")
                log.warning("%s failed to import: %r", function_id, error)
        self._gateway.routes = self.routes
        if self.options.pollers:
            for mapping in self.mappings:
                demand = threading.Event()  # shared by the mapping's pollers
                for number in range(max(1, mapping.concurrency)):
                    poller = QueuePoller(
                        mapping,
                        self._client("sqs", shared=False),
                        self.invoke,
                        retry_delay=self.options.retry_delay,
                        wait_seconds=self.options.poll_wait,
                        busy=self._mark_busy,
                        number=number,
                        demand=demand,
                    )
                    poller.start()
                    self._pollers.append(poller)
        if self.options.schedules and self.schedules:
            self._timer = ScheduleTimer(
                list(self.schedules.values()), self.options.schedule_speedup
            )
            self._timer.start()
        self.api_schedules = ApiScheduleWatcher(
            self._client("scheduler", shared=False),
            self._target,
            {self._stack.ref(k) for k in self.schedules if k in self._stack.resolver.refs},
            self.options.schedule_speedup,
        )
        if self.options.schedules:
            self.api_schedules.start()

    def stop(self) -> None:
        """Stop pollers, schedules, the API server and simulators; restore the environment."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.api_schedules is not None:
            self.api_schedules.stop()
            self.api_schedules = None
        for poller in self._pollers:
            poller.stop()
        for poller in self._pollers:
            poller.join(timeout=self.options.poll_wait + 5)
        self._pollers = []
        self._exit.close()
        self._started = False

    # ------------------------------------------------------------ what tests use
    @property
    def base_url(self) -> str:
        """The local API Gateway's base URL (no stage prefix), e.g. http://127.0.0.1:PORT."""
        assert self._server is not None, "runtime not started"
        return self._server.url

    def ref(self, logical_id: str) -> Any:
        """What `!Ref logical_id` resolved to (queue URL, table name, key id, secret ARN...)."""
        return self._stack.ref(logical_id)

    def attr(self, logical_id: str, name: str) -> Any:
        """What `!GetAtt logical_id.name` resolved to."""
        return self._stack.attr(logical_id, name)

    def queue(self, logical_id: str) -> QueueInfo:
        return self._stack.queues[logical_id]

    def queue_url(self, logical_id: str) -> str:
        return self.queue(logical_id).url

    def table_name(self, logical_id: str) -> str:
        return self.ref(logical_id)

    def function_env(self, function_id: str) -> dict[str, str]:
        """The environment the function's handler runs with."""
        return self.functions[function_id].spec.lambda_environment()

    @contextmanager
    def env_of(self, function_id: str) -> Iterator[None]:
        """Run the block in this process with a function's environment variables, e.g. for a
        test to call the product's stores as that function would (one block at a time)."""
        with environment.function_env(self.function_env(function_id)):
            yield

    def logs(self, function_id: str) -> list[str]:
        """The newest log lines the function's environments wrote (like its log group)."""
        return list(self.functions[function_id].logs)

    def init_errors(self) -> dict[str, BaseException]:
        """Start (or reuse) one environment per function, in parallel; the init errors."""
        threads = [
            threading.Thread(target=host.load, name=f"init-{function_id}", daemon=True)
            for function_id, host in self.functions.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {k: h.load_error for k, h in self.functions.items() if h.load_error is not None}

    def client(self, service: str) -> Any:
        """A boto3 client for moto (fake credentials, the runtime's region)."""
        return self._client(service)

    def invoke(self, function_id: str, event: Any) -> Any:
        """Invoke a function synchronously (RequestResponse); its exceptions propagate."""
        try:
            host = self.functions[function_id]
        except KeyError:
            raise KeyError(f"no function {function_id!r} in the template") from None
        started = time.monotonic()
        entry = Invocation(function_id, _event_source(event), event)
        try:
            entry.result, report = host.invoke_with_report(event)
            if report is not None:
                entry.cold_start = report.init_ms is not None
                entry.max_memory_mb = report.max_memory_mb
            return entry.result
        except Exception as exc:
            entry.error = exc
            raise
        finally:
            entry.duration_ms = (time.monotonic() - started) * 1000
            with self._journal_lock:
                self.journal.append(entry)

    def invocations(self, function_id: str | None = None) -> list[Invocation]:
        """A snapshot of the journal (oldest first), optionally of one function only."""
        with self._journal_lock:
            calls = list(self.journal)
        return [c for c in calls if function_id is None or c.function_id == function_id]

    def deliveries(self, message_id: str) -> list[Invocation]:
        """The invocations whose SQS batch held `message_id` (one per delivery)."""
        return [c for c in self.invocations() if message_id in c.message_ids()]

    def fire_schedule(self, logical_id: str) -> Any:
        """Fire a schedule now, as EventBridge Scheduler would; the target's result. Also
        takes the name of a schedule created through the Scheduler API."""
        if logical_id in self.schedules:
            return self.schedules[logical_id].fire()
        if self.api_schedules is not None:
            return self.api_schedules.fire(logical_id)
        raise KeyError(f"no schedule {logical_id!r} in the template")

    def send_message(
        self,
        queue_id: str,
        body: str | Mapping[str, Any] | list[Any],
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> str:
        """Send a message to a template queue (dicts become JSON); its message id."""
        queue = self.queue(queue_id)
        request: dict[str, Any] = {
            "QueueUrl": queue.url,
            "MessageBody": body if isinstance(body, str) else json.dumps(body),
        }
        if queue.fifo:
            request["MessageGroupId"] = group_id or "default"
            request["MessageDeduplicationId"] = deduplication_id or str(time.time_ns())
        if attributes:
            request["MessageAttributes"] = {
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            }
        return self._client("sqs").send_message(**request)["MessageId"]

    def poll_once(self, queue_id: str, wait_seconds: int = 0) -> int:
        """Receive and process one batch from a queue now (start with `pollers=False`, so no
        background poller races this); the number of records processed."""
        mapping = next((m for m in self.mappings if m.queue.logical_id == queue_id), None)
        if mapping is None:
            raise KeyError(f"no function polls {queue_id!r}")
        poller = QueuePoller(
            mapping,
            self._client("sqs"),
            self.invoke,
            retry_delay=self.options.retry_delay,
            busy=self._mark_busy,
        )
        return poller.poll_once(wait_seconds)

    def queue_counts(self, queue_id: str) -> dict[str, int]:
        """Visible, in-flight and delayed message counts of a template queue."""
        attributes = self._client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url(queue_id),
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return {
            "visible": int(attributes["ApproximateNumberOfMessages"]),
            "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            "delayed": int(attributes["ApproximateNumberOfMessagesDelayed"]),
        }

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no handler runs and every polled queue is empty (TimeoutError if not).

        Without background pollers (`pollers=False`) only running handlers are waited for.
        """
        deadline = time.monotonic() + timeout
        quiet_checks = 0
        while True:
            busy = self._busy
            pending = {  # asked only when nothing runs (a busy runtime is not idle anyway)
                m.queue.logical_id: counts
                for m in (self.mappings if self._pollers and busy == 0 else [])
                if sum((counts := self.queue_counts(m.queue.logical_id)).values())
            }
            if busy == 0 and not pending:
                quiet_checks += 1
                if quiet_checks >= 2:
                    return
            else:
                quiet_checks = 0
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"runtime not idle after {timeout}s: busy={busy} queues={pending}"
                )
            time.sleep(0.1)

    # ------------------------------------------------------------ building blocks
    @property
    def _stack(self) -> Stack:
        assert self.stack is not None, "runtime not started"
        return self.stack

    def _client(self, service: str, shared: bool = True) -> Any:
        """A moto client; shared ones are cached (boto3 clients are thread-safe)."""
        with self._clients_lock:
            if shared and service in self._clients:
                return self._clients[service]
            if self._session is None:
                self._session = boto3.session.Session(
                    region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
                )
            client = self._session.client(service, endpoint_url=self.moto_url)
            if shared:
                self._clients[service] = client
            return client

    def _stop_functions(self) -> None:
        for host in self.functions.values():
            host.stop()

    def _mark_busy(self, delta: int) -> None:
        with self._busy_lock:
            self._busy += delta

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._gateway(environ, start_response)

    def _layer_dirs(self) -> dict[str, Path]:
        """Layer logical id -> its local content directory."""
        dirs = {}
        for logical_id, resource in self.template.of_type("AWS::Serverless::LayerVersion").items():
            content = resource.get("Properties", {}).get("ContentUri")
            if isinstance(content, str):
                dirs[logical_id] = (self.template.root / content).resolve()
        return dirs

    def _add_layers_to_path(self) -> None:
        """Layers on this process's path too (tests and the demo import the product's code)."""
        for path in map(str, self._layer_dirs().values()):
            if path not in sys.path:
                sys.path.insert(0, path)

    def _start_simulators(self) -> dict[str, str]:
        """Start each simulator once; env var -> its URL."""
        wanted = self.options.simulators
        if wanted is False:
            return {}
        if wanted is True:
            from syncbridge_local.simulators import REGISTRY

            wanted = REGISTRY
        urls: dict[str, str] = {}
        started: dict[str, Any] = {}
        for env_var, module_path in wanted.items():
            if module_path not in started:
                try:
                    module = importlib.import_module(module_path)
                    simulator = module.start(port=0)
                except Exception as exc:
                    raise RuntimeError(
                        f"simulator {module_path} (for {env_var}) failed to start: {exc!r}"
                    ) from exc
                started[module_path] = simulator
                self._exit.callback(simulator.stop)
            urls[env_var] = started[module_path].url.rstrip("/")
            self.simulators[env_var] = started[module_path]
        return urls

    def _global_env_templates(self) -> dict[str, Any]:
        globals_ = self.template.body.get("Globals", {}).get("Function", {})
        return dict(globals_.get("Environment", {}).get("Variables", {}))

    def _parameter_overrides(self, sim_urls: dict[str, str]) -> dict[str, str]:
        """Local URLs for the parameters that feed URL variables, then the caller's overrides."""
        overrides: dict[str, str] = {}
        local_urls = {**sim_urls, "PUBLIC_BASE_URL": self.base_url}
        params = self.template.body.get("Parameters", {})
        for var, value in self._global_env_templates().items():
            if var in local_urls and isinstance(value, dict) and value.get("Ref") in params:
                overrides[value["Ref"]] = local_urls[var]
        return {**overrides, **self.options.parameters}

    def _local_env(self, sim_urls: dict[str, str]) -> dict[str, str]:
        return {**sim_urls, "PUBLIC_BASE_URL": self.base_url, **self.options.env}

    def _process_env(self, sim_urls: dict[str, str]) -> dict[str, str]:
        """The Globals environment, also set in the real process (for tests and tools)."""
        variables = self._stack.resolver.resolve(self._global_env_templates())
        return {k: str(v) for k, v in variables.items()} | self._local_env(sim_urls)

    def _build_functions(self, sim_urls: dict[str, str]) -> None:
        resolver = self._stack.resolver
        layer_dirs = self._layer_dirs()
        for logical_id in self.template.of_type("AWS::Serverless::Function"):
            raw = self.template.function_properties(logical_id)
            try:
                props = resolver.resolve(raw)
            except TemplateError as exc:
                raise TemplateError(f"{logical_id}: {exc}") from exc
            layers = [
                layer_dirs[layer["Ref"]]
                for layer in raw.get("Layers") or []
                if isinstance(layer, dict) and layer.get("Ref") in layer_dirs
            ]
            reserved = props.get("ReservedConcurrentExecutions")
            code_uri = props.get("CodeUri")
            if not isinstance(code_uri, str):
                raise TemplateError(f"{logical_id}: only a local CodeUri directory is supported")
            variables = props.get("Environment", {}).get("Variables", {})
            spec = FunctionSpec(
                logical_id=logical_id,
                name=resolver.refs[logical_id],
                code_dir=(self.template.root / code_uri).resolve(),
                handler=props["Handler"],
                memory_mb=int(props.get("MemorySize", 128)),
                timeout_seconds=int(props.get("Timeout", 3)),
                environment={k: str(v) for k, v in variables.items()} | self._local_env(sim_urls),
                events=props.get("Events", {}) or {},
                reserved_concurrency=int(reserved) if reserved is not None else None,
                layer_dirs=layers,
            )
            self.functions[logical_id] = FunctionHost(
                spec,
                base_env=self._base_env,
                sys_path=list(sys.path),
                concurrency=self.options.concurrency,
                on_invoke=self._mark_busy,
                echo_logs=self.options.echo_logs,
            )

    def _function_by_arn(self, arn: str) -> str | None:
        for logical_id in self.functions:
            if self._stack.attr(logical_id, "Arn") == arn or arn.endswith(
                ":function:" + self._stack.ref(logical_id)
            ):
                return logical_id
        return None

    def _api_logical_id(self, rest_api_ref: Any) -> str:
        if rest_api_ref is None:
            return "ServerlessRestApi"
        for logical_id, ref in self._stack.resolver.refs.items():
            if ref == rest_api_ref and logical_id in self.template.resources:
                return logical_id
        raise TemplateError(f"RestApiId {rest_api_ref!r} is not an Api of the template")

    def _authorizers(
        self, api_id: str
    ) -> tuple[dict[str, AuthorizerSpec], str | None, dict[str, Any]]:
        props = self._stack.resolver.resolve(self.template.api_properties(api_id))
        auth = props.get("Auth", {}) or {}
        specs = {}
        for name, config in (auth.get("Authorizers") or {}).items():
            function_id = self._function_by_arn(config.get("FunctionArn", ""))
            if function_id is None:
                log.warning(
                    "authorizer %s: not a Lambda authorizer of this template; ignored", name
                )
                continue
            identity = config.get("Identity", {}) or {}
            payload = str(config.get("FunctionPayloadType", "TOKEN")).upper()
            headers = tuple(identity.get("Headers", ()))
            if payload == "TOKEN":
                headers = (identity.get("Header", "Authorization"),)
            specs[name] = AuthorizerSpec(
                name=name,
                function_id=function_id,
                payload_type=payload,
                headers=headers,
                query_strings=tuple(identity.get("QueryStrings", ())),
                validation_expression=identity.get("ValidationExpression"),
            )
        return specs, auth.get("DefaultAuthorizer"), props

    def _build_routes(self) -> None:
        apis: dict[str, tuple[dict[str, AuthorizerSpec], str | None, dict[str, Any]]] = {}
        seen: dict[tuple[str, str], str] = {}
        for function_id, host in self.functions.items():
            for event_name, event in host.spec.events.items():
                if event.get("Type") != "Api":
                    continue
                props = event.get("Properties", {})
                api_id = self._api_logical_id(props.get("RestApiId"))
                if api_id not in apis:
                    apis[api_id] = self._authorizers(api_id)
                authorizers, default, api_props = apis[api_id]
                wanted = (props.get("Auth") or {}).get("Authorizer", default)
                authorizer = None
                if wanted and wanted != "NONE" and wanted != "AWS_IAM":
                    if wanted not in authorizers:
                        raise TemplateError(f"{function_id}.{event_name}: no authorizer {wanted}")
                    authorizer = authorizers[wanted]
                route = Route(
                    function_id=function_id,
                    api_id=api_id,
                    api_ref=str(self._stack.resolver.refs.get(api_id, "local")),
                    stage=str(api_props.get("StageName", "Prod")),
                    path=props["Path"],
                    method=props.get("Method", "ANY"),
                    authorizer=authorizer,
                    binary_media_types=tuple(api_props.get("BinaryMediaTypes", ())),
                )
                key = (route.path, route.method)
                if key in seen:
                    raise TemplateError(
                        f"{route.method} {route.path} declared by {seen[key]} and {function_id}"
                    )
                seen[key] = function_id
                self.routes.append(route)

    def _build_mappings(self) -> None:
        for function_id, host in self.functions.items():
            for event_name, event in host.spec.events.items():
                if event.get("Type") != "SQS":
                    continue
                props = event.get("Properties", {})
                self.mappings.append(
                    SqsMapping(
                        function_id=function_id,
                        event_name=event_name,
                        queue=self._stack.queue_by_arn(props["Queue"]),
                        batch_size=int(props.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (props.get("FunctionResponseTypes") or []),
                        enabled=props.get("Enabled", True) not in (False, "false"),
                        concurrency=int(
                            (props.get("ScalingConfig") or {}).get(
                                "MaximumConcurrency", self.options.poller_concurrency
                            )
                        ),
                    )
                )
        self.mappings = [m for m in self.mappings if m.enabled]

    def _target(self, arn: str, payload: Any) -> Any:
        """What firing a schedule does: invoke the function or send to the queue at `arn`."""
        function_id = self._function_by_arn(arn)
        if function_id is not None:
            return lambda: self.invoke(function_id, payload)
        queue = self._stack.queue_by_arn(arn)
        body = payload if isinstance(payload, str) else json.dumps(payload)
        return lambda: self._client("sqs").send_message(QueueUrl=queue.url, MessageBody=body)

    def _build_schedules(self) -> None:
        resolver = self._stack.resolver
        for logical_id, resource in self.template.of_type("AWS::Scheduler::Schedule").items():
            if logical_id not in self._stack.created:
                continue
            props = resolver.resolve(resource.get("Properties", {}))
            target = props.get("Target", {})
            payload = json.loads(target["Input"]) if target.get("Input") else {}
            self.schedules[logical_id] = ScheduleSpec(
                logical_id=logical_id,
                expression=props["ScheduleExpression"],
                fire=self._target(target["Arn"], payload),
                enabled=props.get("State", "ENABLED") != "DISABLED",
            )
        for function_id, host in self.functions.items():
            for event_name, event in host.spec.events.items():
                kind = event.get("Type")
                if kind not in ("Schedule", "ScheduleV2"):
                    continue
                props = event.get("Properties", {})
                expression = props.get("Schedule") or props.get("ScheduleExpression")
                payload = (
                    json.loads(props["Input"])
                    if props.get("Input")
                    else {
                        "version": "0",
                        "detail-type": "Scheduled Event",
                        "source": "aws.events",
                        "detail": {},
                    }
                )
                arn = self._stack.attr(function_id, "Arn")
                self.schedules[f"{function_id}{event_name}"] = ScheduleSpec(
                    logical_id=f"{function_id}{event_name}",
                    expression=expression,
                    fire=self._target(arn, payload),
                    enabled=props.get("Enabled", True) not in (False, "false")
                    and props.get("State", "ENABLED") != "DISABLED",
                )


def _reset_syncbridge_clients(prewarm: bool = False) -> None:
    """Forget boto3 clients cached for another endpoint; optionally build the common ones now.

    Building them here, in one thread, avoids racing on boto3's default session when the
    API and the pollers make their first calls at the same moment.
    """
    from syncbridge import aws

    aws.reset_clients()
    if prewarm:
        for service in ("dynamodb", "sqs", "kms", "secretsmanager"):
            aws.client(service)
        aws.resource("dynamodb")
