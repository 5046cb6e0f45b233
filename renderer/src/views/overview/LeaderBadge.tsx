import { Explained } from '../../shell/Explained';

export function LeaderBadge() {
  return (
    <span className="pill pill-leader">
      <Explained term="leader">Leader</Explained>
    </span>
  );
}
