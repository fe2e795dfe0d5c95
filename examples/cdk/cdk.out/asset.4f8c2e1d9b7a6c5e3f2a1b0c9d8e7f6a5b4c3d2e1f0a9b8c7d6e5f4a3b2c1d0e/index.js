"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// lib/api-handler-fn.ts
var api_handler_fn_exports = {};
__export(api_handler_fn_exports, {
  handler: () => handler
});
module.exports = __toCommonJS(api_handler_fn_exports);
var handler = async (e) => {
  if (e.requestContext.http.method === "OPTIONS") {
    return {
      statusCode: 204
    };
  }
  return {
    statusCode: 200,
    headers: {
      "Content-Type": "application/json"
    },
    body: JSON.stringify(
      {
        method: e.requestContext.http.method,
        path: e.requestContext.http.path,
        body: e.body ? JSON.parse(e.body) : ""
      },
      null,
      4
    )
  };
};
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  handler
});
