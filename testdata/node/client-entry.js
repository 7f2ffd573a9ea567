// Browser entry for the test bundle (our own code). It exposes the unchanged
// next-auth/react client as window.NextAuth and mounts a tiny React 18 app that
// shows useSession()'s state, so browser tests can drive the real client.
//
//   window.NextAuth = {signIn, signOut, getSession, getCsrfToken, getProviders, update, mount}
//   <pre id="status">  loading | authenticated | unauthenticated
//   <pre id="session"> JSON of useSession().data (null when absent)
//   window.__update    useSession().update of the last render
//
// The app mounts itself into #app if that element exists when the script runs,
// with SessionProvider props from window.__sessionProviderProps (e.g. {basePath}).
// Otherwise call NextAuth.mount(props) (creates <div id="app"> if missing).
import * as React from "react";
import { createRoot } from "react-dom/client";
import {
  SessionProvider,
  useSession,
  signIn,
  signOut,
  getSession,
  getCsrfToken,
  getProviders,
} from "next-auth/react";

const h = React.createElement;

function Status() {
  const { data, status, update } = useSession();
  window.__update = update;
  return h(
    React.Fragment,
    null,
    h("pre", { id: "status" }, status),
    h("pre", { id: "session" }, JSON.stringify(data === undefined ? null : data)),
  );
}

function mount(props) {
  let el = document.getElementById("app");
  if (!el) {
    el = document.createElement("div");
    el.id = "app";
    document.body.appendChild(el);
  }
  createRoot(el).render(h(SessionProvider, props || {}, h(Status)));
}

// update exists only on useSession(); this forwards to the mounted app's.
function update(data) {
  if (typeof window.__update !== "function") {
    return Promise.reject(new Error("NextAuth.update: app not mounted"));
  }
  return window.__update(data);
}

window.NextAuth = { signIn, signOut, getSession, getCsrfToken, getProviders, update, mount };

if (document.getElementById("app")) mount(window.__sessionProviderProps);
