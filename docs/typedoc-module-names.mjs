// Names each package's API section after the package folder ("tensor-core"), not the entry file's folder ("tensor-core/src").
import { Converter, ReflectionKind } from 'typedoc';

/** TypeDoc plugin entry: renames `<package>/src` modules to `<package>` before the output is rendered. */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      module.name = module.name.replace(/\/src$/, '');
    }
  });
}
