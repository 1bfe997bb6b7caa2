//! Building answers the way each flavor writes them: success bodies, refusals, error pages.

use mj_proto::HttpResponse;
use serde_json::{Map, Value, json};

use crate::flavor::Flavor;

/// A JSON answer.
pub(crate) fn json(status: u16, value: &Value) -> HttpResponse {
    with_type(status, "application/json", value.to_string().into_bytes())
}

/// An answer with no body.
pub(crate) fn empty(status: u16) -> HttpResponse {
    with_type(status, "", Vec::new())
}

/// A plain-text answer.
pub(crate) fn text(status: u16, body: &str) -> HttpResponse {
    with_type(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
}

/// An answer with `content_type` (none when empty).
pub(crate) fn with_type(status: u16, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    if !content_type.is_empty() {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    builder.body(body).unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The description each flavor gives an accepted submit.
pub(crate) fn accepted_text(flavor: Flavor, code: i64, ahead: usize) -> String {
    match (flavor, code) {
        (Flavor::Trueai | Flavor::Reseller, 1) => "Submit success".to_owned(),
        (_, 1) => "提交成功".to_owned(),
        (Flavor::Trueai, 21) => "Waiting for window confirm".to_owned(),
        (_, 21) => "窗口等待".to_owned(),
        (Flavor::Trueai, _) => format!("In the queue, there are still {ahead} tasks ahead"),
        (_, _) => format!("排队中，前面还有{ahead}个任务"),
    }
}

/// A submit answer for a created task: code 1, 21 or 22. new-api rewrites 21 and 22 to 1
/// (except 21 for Vary (Region) and Custom Zoom) and sends numeric ids as bare numbers.
pub(crate) fn submitted(
    flavor: Flavor,
    code: i64,
    id: &str,
    properties: Map<String, Value>,
    modal_kept: bool,
    ahead: usize,
) -> HttpResponse {
    let description = accepted_text(flavor, code, ahead);
    let code = match (flavor.is_gateway(), code) {
        (true, 22) => 1,
        (true, 21) if !modal_kept => 1,
        (_, code) => code,
    };
    // new-api passes the upstream's string id through (its `result` is the upstream's).
    let result = json!(id);
    let properties =
        if properties.is_empty() && flavor == Flavor::Newapi { Value::Null } else { Value::Object(properties) };
    json(200, &json!({"code": code, "description": description, "result": result, "properties": properties}))
}

/// A business refusal in the `{code, description, result, properties}` shape (HTTP 200
/// everywhere; gateways pass the upstream answer through).
pub(crate) fn refuse(code: i64, description: &str, properties: Map<String, Value>) -> HttpResponse {
    json(200, &json!({"code": code, "description": description, "result": null, "properties": properties}))
}

/// A request the server itself finds invalid: code 4 from the proxies, HTTP 400 with the
/// gateway's own error shape from new-api and resellers.
pub(crate) fn invalid(flavor: Flavor, proxy_text: &str, gateway_text: &str) -> HttpResponse {
    if flavor.is_gateway() {
        json(400, &json!({"description": gateway_text, "type": "new_api_error", "code": 4}))
    } else {
        refuse(4, proxy_text, Map::new())
    }
}

/// A request body that does not bind (wrong JSON types): new-api's code 5 "无效的请求".
pub(crate) fn unbindable(flavor: Flavor, detail: &str) -> HttpResponse {
    if flavor.is_gateway() {
        json(400, &json!({"description": format!("无效的请求, {detail}"), "type": "new_api_error", "code": 5}))
    } else {
        json(
            400,
            &json!({"timestamp": "2025-01-01T00:00:00.000+00:00", "status": 400, "error": "Bad Request", "path": ""}),
        )
    }
}

/// A parent task that does not exist: trueai 404 code 3, gateways 400 `task_not_found`,
/// the others 200 code 3.
pub(crate) fn missing_parent(flavor: Flavor) -> HttpResponse {
    match flavor {
        Flavor::Trueai => {
            json(404, &json!({"code": 3, "description": "关联任务不存在或已失效", "result": null, "properties": {}}))
        }
        f if f.is_gateway() => {
            json(400, &json!({"description": "task_not_found ", "type": "upstream_error", "code": 4}))
        }
        _ => refuse(3, "关联任务不存在或已失效", Map::new()),
    }
}

/// An unknown task on fetch (spec §5.14).
pub(crate) fn task_not_found(flavor: Flavor) -> HttpResponse {
    match flavor {
        Flavor::Novicezk | Flavor::Plus => empty(200),
        Flavor::Trueai => empty(204),
        Flavor::Newapi | Flavor::Reseller => {
            json(400, &json!({"description": "task_no_found ", "type": "upstream_error", "code": 4}))
        }
    }
}

/// A path the flavor does not serve.
pub(crate) fn route_not_found(flavor: Flavor, path: &str) -> HttpResponse {
    match flavor {
        Flavor::Novicezk | Flavor::Plus => json(
            404,
            &json!({"timestamp": "2025-01-01T00:00:00.000+00:00", "status": 404, "error": "Not Found", "path": path}),
        ),
        Flavor::Trueai => empty(404),
        Flavor::Newapi | Flavor::Reseller => text(404, "404 page not found"),
    }
}

/// Wrong or missing credentials (spec §3, §9).
pub(crate) fn unauthorized(flavor: Flavor, missing: bool) -> HttpResponse {
    match flavor {
        Flavor::Novicezk | Flavor::Plus => empty(401),
        Flavor::Trueai if missing => text(401, "Authorization header missing."),
        Flavor::Trueai => text(401, "账号无权限"),
        Flavor::Newapi => json(
            401,
            &json!({"error": {"message": "无效的令牌 (request id: 20250101000000000sim)", "type": "new_api_error", "code": ""}}),
        ),
        Flavor::Reseller => {
            json(401, &json!({"error": {"message": "invalid api key", "type": "new_api_error", "code": ""}}))
        }
    }
}

/// An injected 500, in the flavor's error shape.
pub(crate) fn server_error(flavor: Flavor) -> HttpResponse {
    match flavor {
        Flavor::Trueai => json(500, &json!({"success": false, "code": -1, "message": "操作失败", "timestamp": "0"})),
        f if f.is_gateway() => json(
            500,
            &json!({"description": "failed to generate relay info: sim fault", "type": "upstream_error", "code": 4}),
        ),
        _ => json(
            500,
            &json!({"timestamp": "2025-01-01T00:00:00.000+00:00", "status": 500, "error": "Internal Server Error", "path": ""}),
        ),
    }
}

/// An injected 429 with `Retry-After: 1`.
pub(crate) fn rate_limited(flavor: Flavor) -> HttpResponse {
    let body = match flavor {
        Flavor::Trueai => Vec::new(),
        f if f.is_gateway() => {
            json!({"description": "too many concurrent requests, retry shortly", "type": "new_api_error", "code": 429})
                .to_string()
                .into_bytes()
        }
        _ => json!({"code": 23, "description": "队列已满，请稍后尝试", "result": null}).to_string().into_bytes(),
    };
    let mut response = with_type(429, if body.is_empty() { "" } else { "application/json" }, body);
    response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    response
}

/// An injected proxy error page.
pub(crate) fn html_page() -> HttpResponse {
    with_type(
        502,
        "text/html",
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".to_vec(),
    )
}
