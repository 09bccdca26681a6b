// node:path (POSIX).
import path from "node:path";
import { join, posix } from "path";
import posixSub from "node:path/posix";

const err = (f) => {
  try {
    return ["ok", f()];
  } catch (e) {
    return [e.name, e.code || null, e.message];
  }
};

export default function run() {
  const paths = ["", ".", "..", "/", "//", "///a", "a", "a/", "/a/b/c", "/a/b/c/", "a/b/../c", "./a/./b", "/a/../../b", "../a/../../b", "a//b", "/a//b", "file.txt", ".bashrc", "a.b.c", "a.", "..a", "/x/y.tar.gz", "dir/.hidden", "//a", "a/..", "/a/b/.."];
  return {
    sep: [path.sep, path.delimiter, posix === path, posixSub === path, join === path.join],
    normalize: paths.map((p) => path.normalize(p)),
    dirname: paths.map((p) => path.dirname(p)),
    basename: paths.map((p) => path.basename(p)),
    extname: paths.map((p) => path.extname(p)),
    isAbsolute: paths.map((p) => path.isAbsolute(p)),
    parse: paths.map((p) => path.parse(p)),
    basenameExt: [path.basename("/a/b.html", ".html"), path.basename("/a/b.html", "html"), path.basename("b.html", "b.html"), path.basename("/a/b/", "b"), path.basename("aaa", "a")],
    join: [path.join(), path.join(""), path.join("a", "b"), path.join("/a", "../b", "c/"), path.join("a", "", "b"), path.join("..", "x"), path.join("/", "..")],
    resolve: [path.resolve("/a/b", "./c"), path.resolve("/a/b", "/c", "d"), path.resolve("/a", "..", "..", "b/"), path.resolve("/foo/bar", "./baz")],
    relative: [path.relative("/a/b/c", "/a/d"), path.relative("/a", "/a"), path.relative("/a/b", "/a/b/c/d"), path.relative("/", "/x"), path.relative("/x/y", "/")],
    format: [path.format({ root: "/", dir: "/home/u", base: "f.txt" }), path.format({ root: "/", base: "f.txt" }), path.format({ name: "f", ext: "txt" }), path.format({ name: "f", ext: ".txt" }), path.format({ dir: "d", name: "n", ext: ".e", base: "b" })],
    errors: [err(() => path.join("a", 1)), err(() => path.basename(null)), err(() => path.dirname({}))],
  };
}
