"""The REST API: a card owner's profile and a card's statement.

FastAPI because request parameters are declared once, as typed function arguments, and
that single declaration both validates requests and produces the served OpenAPI document
(which the tests fuzz with schemathesis). Handlers are plain `def`: the Cassandra driver is
blocking, so Starlette runs them on its thread pool.

Auth: every /api route needs `Authorization: Bearer <token>`. /healthz, /readyz,
/metrics and the OpenAPI document are open so probes and Prometheus need no secret.
"""

# No `from __future__ import annotations`: FastAPI reads the dependency annotations at
# definition time, including closures over local security schemes.
import hmac
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel

from fraud_dashboard.config import CassandraConfig
from fraud_dashboard.store import (
    CC_NUM_PATTERN,
    MAX_PAGE,
    CassandraGateway,
    CassandraMisconfigured,
    CassandraUnavailable,
    Cursor,
    StatementRequest,
    validate_cc_num,
)


class Customer(BaseModel):
    cc_num: str
    first: str | None = None
    last: str | None = None
    gender: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    lat: float | None = None
    long: float | None = None
    job: str | None = None
    dob: date | None = None


class Transaction(BaseModel):
    cc_num: str
    trans_num: str
    trans_time: datetime
    category: str | None = None
    merchant: str | None = None
    amt: float | None = None
    merch_lat: float | None = None
    merch_long: float | None = None
    distance: float | None = None
    age: int | None = None
    is_fraud: int | None = None
    fraud_probability: float | None = None
    model_version: str | None = None
    source: str | None = None
    ingested_at: datetime | None = None


class Statement(BaseModel):
    cc_num: str
    order: Literal["asc", "desc"]
    limit: int
    transactions: list[Transaction]
    next_cursor: str | None = None


class Problem(BaseModel):
    detail: str


class Health(BaseModel):
    status: str
    cassandra: str
    detail: str | None = None


@dataclass(frozen=True)
class ApiSettings:
    cassandra: CassandraConfig
    token: str | None  # None only when the operator chose to run open


_ERRORS = {
    400: {"model": Problem, "description": "a parameter is invalid; detail says which and how to fix it"},
    401: {"model": Problem, "description": "missing or wrong bearer token"},
    404: {"model": Problem, "description": "no such card"},
    503: {"model": Problem, "description": "Cassandra is unreachable; retry later"},
}
CcNum = Annotated[str, Path(pattern=CC_NUM_PATTERN, description="card number, 8 to 19 digits")]


class _Metrics:
    def __init__(self) -> None:
        # A registry per app, so several apps in one process (tests) do not collide.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fraud_api_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram("fraud_api_request_seconds", "request latency", ["route"], registry=self.registry)
        self.cassandra_up = Gauge(
            "fraud_api_cassandra_up", "1 when the last health check reached Cassandra", registry=self.registry
        )


def create_app(settings: ApiSettings) -> FastAPI:
    gateway = CassandraGateway(settings.cassandra)
    metrics = _Metrics()
    app = FastAPI(
        title="Fraud detection API",
        version="1.0.0",
        description="Card owners and card statements from the fraud-detection platform's Cassandra store.",
    )
    app.state.gateway = gateway
    _install_error_handlers(app)
    _install_metrics(app, metrics)
    auth = [Depends(_bearer_check(settings.token))] if settings.token else []
    _install_routes(app, gateway, auth)
    _install_ops_routes(app, gateway, metrics)
    app.router.add_event_handler("shutdown", gateway.close)
    return app


def _bearer_check(token: str):
    scheme = HTTPBearer(auto_error=False, description="the token from FRAUD_API_TOKEN or FRAUD_API_TOKEN_FILE")

    def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)]) -> None:
        given = credentials.credentials if credentials else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            reason = "wrong bearer token" if given else "missing 'Authorization: Bearer <token>' header"
            raise HTTPException(401, reason, headers={"WWW-Authenticate": "Bearer"})

    return check


def _install_routes(app: FastAPI, gateway: CassandraGateway, auth: list) -> None:
    @app.get(
        "/api/customer/{cc_num}",
        response_model=Customer,
        responses=_ERRORS,
        dependencies=auth,
        summary="The card owner's information",
    )
    def get_customer(cc_num: CcNum) -> Customer:
        row = gateway.queries().customer_row(cc_num)
        if row is None:
            raise HTTPException(404, f"no customer with card number {cc_num}")
        return Customer(**row)

    @app.get(
        "/api/statement/{cc_num}",
        response_model=Statement,
        responses=_ERRORS,
        dependencies=auth,
        summary="The card's transactions ordered by transaction time, a page at a time",
    )
    def get_statement(
        cc_num: CcNum,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="transactions per page")] = 50,
        order: Annotated[Literal["asc", "desc"], Query(description="desc: newest first")] = "desc",
        start: Annotated[date | None, Query(alias="from", description="first UTC day, inclusive")] = None,
        end: Annotated[date | None, Query(alias="to", description="last UTC day, inclusive")] = None,
        cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    ) -> Statement:
        try:
            request = StatementRequest(cc_num, limit, order, start, end, Cursor.decode(cursor) if cursor else None)
            request.check()
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        queries = gateway.queries()
        page = queries.statement(request)
        if not page.rows and request.cursor is None and queries.customer_row(cc_num) is None:
            raise HTTPException(404, f"no customer and no transactions with card number {cc_num}")
        return Statement(
            cc_num=cc_num,
            order=order,
            limit=limit,
            transactions=[Transaction(**r) for r in page.rows],
            next_cursor=page.next_cursor,
        )


def _install_ops_routes(app: FastAPI, gateway: CassandraGateway, metrics: _Metrics) -> None:
    def check() -> Health:
        try:
            gateway.ping()
        except (CassandraUnavailable, CassandraMisconfigured) as exc:
            metrics.cassandra_up.set(0)
            return Health(status="degraded", cassandra="down", detail=str(exc))
        metrics.cassandra_up.set(1)
        return Health(status="ok", cassandra="up")

    @app.get("/healthz", response_model=Health, summary="Liveness: the process answers; reports Cassandra")
    def healthz() -> Health:
        # Always 200: restarting the API does not bring Cassandra back.
        return check()

    @app.get(
        "/readyz",
        response_model=Health,
        responses={503: {"model": Health}},
        summary="Readiness: 200 only when Cassandra answers",
    )
    def readyz() -> JSONResponse:
        health = check()
        return JSONResponse(health.model_dump(), status_code=200 if health.cassandra == "up" else 503)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        summary="Prometheus metrics",
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}},
    )
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _install_metrics(app: FastAPI, metrics: _Metrics) -> None:
    @app.middleware("http")
    async def record(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        # The route template, not the raw path: card numbers must not become label values.
        label = getattr(route, "path", "unmatched")
        metrics.requests.labels(request.method, label, str(response.status_code)).inc()
        metrics.latency.labels(label).observe(time.perf_counter() - started)
        return response


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _reason(exc)}, status_code=400)

    @app.exception_handler(CassandraUnavailable)
    async def unavailable(request: Request, exc: CassandraUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(CassandraMisconfigured)
    async def no_schema(request: Request, exc: CassandraMisconfigured) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})


def _reason(exc: RequestValidationError) -> str:
    """One sentence per bad parameter, naming it, the value and what is accepted."""
    reasons = []
    for error in exc.errors():
        where = error.get("loc", ())
        name = str(where[-1]) if where else "request"
        value = error.get("input")
        if name == "cc_num" and isinstance(value, str):
            reasons.append(validate_cc_num(value) or f"cc_num {value!r}: {error.get('msg')}")
        else:
            reasons.append(f"{name} {str(value)[:40]!r}: {error.get('msg')}")
    return "; ".join(reasons) or "invalid request"
